"""Run the test provider (``serve.py``) as a subprocess for the length of a ``with`` block."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_provider(tmp_dir: Path, spec: dict, *, timeout: float = 60):
    """Yield the provider's base URL (``http://127.0.0.1:PORT``) once it answers."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = tmp_dir / "provider.log"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "OIDC_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="tests.oidc_provider.settings",
        OIDC_TEST_PROVIDER_DB=str(tmp_dir / "provider.sqlite3"),
        PYTHONPATH=str(REPO),
        PYTHONUNBUFFERED="1",
    )
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.oidc_provider.serve", str(port), json.dumps(spec)],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_up(proc, f"{url}/openid/.well-known/openid-configuration", timeout, log_path)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_until_up(proc, probe: str, timeout: float, log_path: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"OIDC test provider exited:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(probe, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"OIDC test provider not up in {timeout} s:\n{log_path.read_text()[-3000:]}")
