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


# --- A fresh checkout: no var/, no SECRET_KEY (issue 20, findings 7 and 8) ---------------

KEY_PROBE = (
    "import django; django.setup(); from django.conf import settings; print(settings.SECRET_KEY)"
)


@pytest.fixture
def checkout(tmp_path):
    """A copy of the project as a fresh clone has it: code, no ``var/``. (The settings find
    ``var/`` next to their own file, so the code is copied, not linked.)"""
    import shutil

    root = tmp_path / "ccops-checkout"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("ccops", "contacts", "workitems", "quality", "staffing", "training", "templates"):
        shutil.copytree(ROOT / name, root / name, ignore=ignore)
    (root / "static").symlink_to(ROOT / "static")
    shutil.copy(ROOT / "manage.py", root / "manage.py")
    return root


def run_in(root: Path, args: list[str], **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    clean.update(env, DJANGO_SETTINGS_MODULE="ccops.settings.base")
    return subprocess.run(
        [sys.executable, *args], env=clean, cwd=root, capture_output=True, text=True
    )


def test_plain_migrate_on_a_fresh_checkout_creates_var(checkout):
    assert not (checkout / "var").exists()
    out = run_in(checkout, ["manage.py", "migrate", "--noinput"])
    assert out.returncode == 0, out.stderr  # was "unable to open database file"
    assert (checkout / "var" / "ccops.sqlite3").stat().st_size > 0


def test_default_install_makes_a_random_key_once(checkout, tmp_path):
    first = run_in(checkout, ["-c", KEY_PROBE])
    assert first.returncode == 0, first.stderr
    key = first.stdout.strip()
    stored = checkout / "var" / "secret_key"
    assert stored.read_text().strip() == key and len(key) >= 50
    assert stored.stat().st_mode & 0o777 == 0o600  # only the owner reads it
    assert run_in(checkout, ["-c", KEY_PROBE]).stdout.strip() == key  # kept, not remade
    # Another install gets another key: no two default installs sign alike.
    other = run_in(checkout, ["-c", KEY_PROBE], VAR_DIR=str(tmp_path / "other-var"))
    assert other.returncode == 0, other.stderr
    assert other.stdout.strip() not in ("", key)
    assert "ccops-insecure-dev-key" not in key


def test_a_secret_key_from_the_environment_makes_no_file(checkout):
    out = run_in(checkout, ["-c", KEY_PROBE], SECRET_KEY="e" * 60)
    assert out.stdout.strip() == "e" * 60
    assert not (checkout / "var" / "secret_key").exists()


def test_production_without_a_key_refuses_and_makes_no_file(checkout):
    clean = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    clean["DJANGO_SETTINGS_MODULE"] = "ccops.settings.production"
    out = subprocess.run(
        [sys.executable, "-c", KEY_PROBE], env=clean, cwd=checkout, capture_output=True, text=True
    )
    assert out.returncode != 0 and "SECRET_KEY must be set" in out.stderr
    assert not (checkout / "var").exists()


def test_processes_starting_together_share_one_key(checkout):
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", KEY_PROBE],
            env={
                **{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")},
                "DJANGO_SETTINGS_MODULE": "ccops.settings.base",
            },
            cwd=checkout,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    keys = {p.communicate()[0].strip() for p in procs}
    assert len(keys) == 1 and keys == {(checkout / "var" / "secret_key").read_text().strip()}
