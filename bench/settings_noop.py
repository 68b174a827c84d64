"""Production settings plus one tenant app whose only migration does nothing (bench/scale.py)."""

from config.settings.production import *  # noqa: F403

TENANT_APPS = [*TENANT_APPS, "bench.scale_noop"]  # noqa: F405
INSTALLED_APPS = [*INSTALLED_APPS, "bench.scale_noop"]  # noqa: F405
