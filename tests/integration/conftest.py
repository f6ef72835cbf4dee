"""Real services for the integration tests: Celery workers on Redis reading the test database,
a private Redis server the fault tests may kill, and the fault-injection switches."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection

from tests.services import IN_CI, require_postgres, require_redis

ROOT = Path(__file__).resolve().parents[2]
OWN_REDIS_PORT = 6391


def wait_for(predicate, timeout=60.0, interval=0.25):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def _test_database_url(application_name: str) -> str:
    db = connection.settings_dict
    return (
        f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}?application_name={application_name}"
    )


class Worker:
    """One ``celery worker`` process (solo pool: one process, so SIGKILL kills it all)."""

    def __init__(self, queue: str, env: dict, log_path: Path):
        self.queue, self.log_path = queue, log_path
        self._log = open(log_path, "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "ccops",
                "worker",
                "-Q",
                queue,
                "-c",
                "1",
                "--pool",
                "solo",
                "-l",
                "info",
                "-n",
                f"{queue}-{uuid.uuid4().hex[:4]}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def log(self) -> str:
        return self.log_path.read_text()

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, no message restored, no transaction committed."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            # Cold shutdown (SIGQUIT): the tests are done with it; a warm one waits for
            # heartbeats and timers and costs seconds per worker.
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._log.close()


@pytest.fixture
def celery_workers(transactional_db):
    """``start(queue=None, broker_url=None, **env)``: start a real Celery worker on the test
    database (its connections are named ``application_name`` = ``ccops-<queue>``, so a test
    can terminate exactly them); every worker started is stopped at teardown."""
    require_postgres()
    started: list[Worker] = []

    def start(queue: str | None = None, broker_url: str | None = None, **extra_env) -> Worker:
        queue = queue or f"ccops-test-{uuid.uuid4().hex[:8]}"
        env = dict(os.environ)
        env.update(
            DJANGO_SETTINGS_MODULE="ccops.settings.base",
            DATABASE_URL=_test_database_url(f"ccops-{queue}"),
            CELERY_TASK_ALWAYS_EAGER="false",
            CONN_MAX_AGE="0",
        )
        if broker_url:
            env.update(CELERY_BROKER_URL=broker_url, REDIS_URL=broker_url)
        env.update({k: str(v) for k, v in extra_env.items()})
        log_name = queue if not started else f"{queue}-{len(started)}"
        worker = Worker(queue, env, ROOT / "var" / f"{log_name}.log")
        started.append(worker)
        return worker

    try:
        yield start
    finally:
        for worker in reversed(started):
            worker.stop()


@pytest.fixture
def celery_worker_proc(celery_workers):
    """A real Celery worker process on Redis, reading the test database, on its own queue."""
    require_redis()
    return celery_workers().queue


@contextmanager
def producer_on(broker_url: str):
    """Make this process publish to ``broker_url`` for real (not eagerly), with fresh
    connection pools; the app's previous configuration is restored afterwards."""
    from ccops.celery import app

    conf = {"task_always_eager": False, "broker_url": broker_url}
    old = {k: app.conf[k] for k in conf}

    def reset_pools():  # the app caches the pools of the previous broker URL (kombu keeps
        app._pool = None  # one pool per URL in a global registry: never close them here)
        app.amqp._producer_pool = None

    app.conf.update(conf)
    reset_pools()
    try:
        yield app
    finally:
        app.conf.update(old)
        reset_pools()


def terminate_backends(application_name: str) -> int:
    """``pg_terminate_backend`` every connection of that name to the test database."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND application_name = %s",
            [application_name],
        )
        return sum(1 for (done,) in cursor.fetchall() if done)


@pytest.fixture
def fault_pause(tmp_path):
    """The switch of ``ccops.tasks.fault_point``: ``env`` goes into a worker's environment;
    ``hold()`` arms it, ``reached(name)`` tells when a task is holding at that point,
    ``release()`` lets it go on."""

    class Pause:
        file = tmp_path / "hold"
        env = {"CCOPS_FAULT_PAUSE_FILE": str(tmp_path / "hold")}

        def hold(self):
            self.file.write_text("hold")

        def reached(self, name: str) -> bool:
            return Path(f"{self.file}.{name}.reached").exists()

        def release(self):
            self.file.unlink(missing_ok=True)

    pause = Pause()
    yield pause
    pause.release()


class RedisServer:
    """A private ``redis-server`` (no persistence) that a test may kill and start again on
    the same port, leaving the machine's shared Redis alone."""

    def __init__(self, port: int, log_path: Path):
        self.port, self.log_path = port, log_path
        self.url = f"redis://127.0.0.1:{port}/0"
        self.proc: subprocess.Popen | None = None

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> None:
        assert self.proc is None or self.proc.poll() is not None, "already running"
        if self._answers():
            pytest.fail(f"something already answers on port {self.port}")
        with open(self.log_path, "a") as log:
            self.proc = subprocess.Popen(
                ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
                + ["--save", "", "--appendonly", "no", "--daemonize", "no"],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        assert wait_for(self._answers, timeout=10, interval=0.05), "redis-server did not start"

    def kill(self) -> None:
        """SIGKILL, as a crash: clients see refused connections from now on."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def freeze(self) -> None:
        """SIGSTOP: the port still accepts connections, nothing ever answers (a hung host)."""
        self.proc.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self.proc.send_signal(signal.SIGCONT)

    def is_running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


@pytest.fixture
def own_redis():
    if not shutil.which("redis-server"):
        reason = "needs the redis-server binary (apt-get install redis-server)"
        pytest.fail(f"CI=true but {reason}") if IN_CI else pytest.skip(reason)
    server = RedisServer(OWN_REDIS_PORT, ROOT / "var" / f"redis-{OWN_REDIS_PORT}.log")
    server.start()
    try:
        yield server
    finally:
        server.kill()
