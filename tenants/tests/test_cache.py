"""Cache keys carry the tenant: the same key in two businesses holds two values."""

from django.core.cache import cache


def test_cache_entries_are_per_tenant(tenant_a, tenant_b):
    with tenant_a.use():
        cache.set("today:summary", "alpha's summary", timeout=60)
    with tenant_b.use():
        assert cache.get("today:summary") is None
        cache.set("today:summary", "bravo's summary", timeout=60)
    with tenant_a.use():
        assert cache.get("today:summary") == "alpha's summary"
    with tenant_b.use():
        assert cache.get("today:summary") == "bravo's summary"
