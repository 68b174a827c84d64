"""`provision_tenant --json` exactly as SPEC.md says; `seed_demo`; `platform_setup`."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_tenants.utils import schema_context, schema_exists

from tenants.accounts.models import ApiKey, Role, User
from tenants.models import Tenant
from tenants.services import tenant_delete
from tests.fixtures.live import server_environment

REPO = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def cleanup(django_db_blocker):
    slugs: list[str] = []
    yield slugs
    with django_db_blocker.unblock():
        for tenant in Tenant.objects.filter(slug__in=slugs):
            tenant_delete(tenant=tenant)


def test_provision_tenant_prints_one_json_object(worlds, cleanup, django_db_blocker):
    cleanup.append("acme")

    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "provision_tenant",
            "--slug",
            "acme",
            "--name",
            "Acme Eggs",
            "--owner-email",
            "owner@acme.test",
            "--owner-password",
            "seven-thousand-eggs",
            "--json",
        ],
        cwd=REPO,
        env=server_environment(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert set(output) == {"slug", "schema", "domain", "api_key"}
    assert output["slug"] == "acme"
    assert output["schema"] == "t_acme"
    assert output["domain"] == "acme.localhost"
    with django_db_blocker.unblock(), schema_context("t_acme"):
        owner = User.objects.get()
        assert (owner.email, owner.role) == ("owner@acme.test", Role.OWNER)
        assert owner.check_password("seven-thousand-eggs")
        api_key = ApiKey.objects.get()
        assert output["api_key"].startswith(f"dk_{api_key.prefix}_")


def test_provision_tenant_refuses_bad_input_and_creates_nothing(worlds, db):
    with pytest.raises(CommandError) as error:
        call_command(
            "provision_tenant", slug="www", name="W", owner_email="x", owner_password="x", json=True
        )

    assert str(error.value) == (
        "slug: “www” is reserved. Choose another address.; "
        "name: Give the business a name of 2–120 characters.; "
        "owner_email: Enter a valid e-mail address."
    )
    assert not Tenant.objects.filter(slug="www").exists()


def test_seed_demo_creates_the_demo_business_once(
    worlds, cleanup, django_db_blocker, tmp_path, capsys
):
    cleanup.append("demo")
    credentials = tmp_path / "demo.json"

    with django_db_blocker.unblock():
        call_command("seed_demo", credentials_file=str(credentials))
        call_command("seed_demo", credentials_file=str(credentials))
        password = json.loads(credentials.read_text())["password"]
        with schema_context("t_demo"):
            emails = sorted(User.objects.values_list("email", "role"))
            owner = User.objects.get(email="owner@demo.localhost")
            assert owner.check_password(password)
        assert Tenant.objects.filter(slug="demo").count() == 1

    assert emails == [
        ("dispatcher@demo.localhost", "dispatcher"),
        ("driver1@demo.localhost", "driver"),
        ("driver2@demo.localhost", "driver"),
        ("driver3@demo.localhost", "driver"),
        ("owner@demo.localhost", "owner"),
    ]
    printed = capsys.readouterr().out
    assert f"owner      owner@demo.localhost / {password}" in printed
    assert "http://demo.localhost/" in printed


def test_platform_setup_is_idempotent(worlds, db):
    call_command("platform_setup", verbosity=0)

    assert schema_exists("tenant_template")
    assert list(
        Tenant.objects.filter(kind=Tenant.Kind.TEMPLATE).values_list("schema_name", flat=True)
    ) == ["tenant_template"]


def test_settings_refuse_to_start_without_database_url():
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}

    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 1
    assert "DATABASE_URL is not set." in result.stderr
