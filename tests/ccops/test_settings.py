"""Settings come from the environment with working defaults (checked in fresh processes)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'], "
    "'name': str(s.DATABASES['default']['NAME']), 'eager': s.CELERY_TASK_ALWAYS_EAGER, "
    "'broker': s.CELERY_BROKER_URL, 'cache': s.CACHES['default']['BACKEND'], "
    "'ssc': s.DATABASES['default']['DISABLE_SERVER_SIDE_CURSORS'], "
    "'debug': s.DEBUG, 'tz': s.TIME_ZONE, 'hosts': s.ALLOWED_HOSTS}))"
)


def probe(env: dict, module: str = "ccops.settings.base") -> dict:
    clean = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    clean.update(env, DJANGO_SETTINGS_MODULE=module)
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=clean, cwd=ROOT, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_defaults_need_no_environment():
    s = probe({})
    assert s["engine"] == "django.db.backends.sqlite3"
    assert s["name"].endswith("var/ccops.sqlite3")
    assert s["eager"] is True
    assert s["cache"].endswith("LocMemCache")
    assert s["debug"] is False
    assert s["tz"] == "UTC"
    assert s["ssc"] is False


def test_database_and_redis_urls_switch_backends():
    s = probe(
        {
            "DATABASE_URL": "postgres://u:p@db.example:5433/ccx",
            "REDIS_URL": "redis://cache.example:6380/2",
            "DEBUG": "true",
            "TIME_ZONE": "Europe/London",
            "ALLOWED_HOSTS": "ccops.example,other.example",
            "DATABASE_DISABLE_SERVER_SIDE_CURSORS": "true",  # behind PgBouncer
        }
    )
    assert s["engine"] == "django.db.backends.postgresql"  # Django's own backend
    assert s["name"] == "ccx"
    assert s["eager"] is False
    assert s["broker"] == "redis://cache.example:6380/2"
    assert s["cache"].endswith("RedisCache")
    assert s["debug"] is True
    assert s["tz"] == "Europe/London"
    assert s["hosts"] == ["ccops.example", "other.example"]
    assert s["ssc"] is True


def test_production_refuses_to_start_without_secret():
    clean = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    clean["DJANGO_SETTINGS_MODULE"] = "ccops.settings.production"
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=clean, cwd=ROOT, capture_output=True, text=True
    )
    assert out.returncode != 0
    assert "SECRET_KEY must be set" in out.stderr


@pytest.mark.parametrize("tmp_secret", ["x" * 64])
def test_secret_key_from_file(tmp_path, tmp_secret):
    secret = tmp_path / "secret"
    secret.write_text(tmp_secret + "\n")
    clean = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    clean.update(DJANGO_SETTINGS_MODULE="ccops.settings.production", SECRET_KEY_FILE=str(secret))
    code = (
        "import django; django.setup(); "
        "from django.conf import settings; print(settings.SECRET_KEY)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=clean, cwd=ROOT, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == tmp_secret
