"""Production settings: refuse to start without SECRET_KEY; `check --deploy` has no warnings."""

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent


def manage(*args: str, **env_changes: str | None) -> subprocess.CompletedProcess:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings.production")
    for key, value in env_changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_check_deploy_passes_with_no_warnings():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY="a-real-production-secret-key-with-plenty-of-entropy-9f8e7d6c5b4a3",
    )

    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_refuses_to_start_without_secret_key():
    result = manage("check", SECRET_KEY=None)

    assert result.returncode == 1
    assert "The environment variable SECRET_KEY is required." in result.stderr


def test_a_malformed_boolean_is_a_clear_error():
    result = manage("check", SECRET_KEY="x" * 60, DEBUG="maybe")

    assert result.returncode == 1
    assert "DEBUG must be a boolean (1/0, true/false), not 'maybe'." in result.stderr
