"""Real services for the integration tests: Celery workers on Redis reading the test database,
a private Redis server the fault tests may kill, and the fault-injection switches."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from contextlib import contextmanager, suppress
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


# --- Serving as production does: gunicorn, optionally behind PgBouncer ------------------------
# (tests/integration/test_pgbouncer.py and test_live_migration.py)

PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop(proc: subprocess.Popen, sig=signal.SIGTERM, timeout=15.0) -> None:
    """Stop a process started with ``start_new_session=True`` and everything it forked."""
    if proc.poll() is None:
        proc.send_signal(sig)
        with suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=timeout)
    # Its own process group: gunicorn's workers (our children's children) go with it.
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


class PgBouncer:
    """``pgbouncer`` in transaction pooling in front of the test database's server, with
    fewer server connections than clients: consecutive transactions of one client
    connection run on different server connections, as on a busy production pool."""

    def __init__(self, workdir: Path, pool_size: int = 3):
        db = connection.settings_dict
        self.user = db["USER"] or "postgres"
        self.dbname = db["NAME"]
        self.port = free_port()
        # pgbouncer refuses to run as root: it then runs as ``postgres`` (or ``nobody``),
        # which must be able to read its files.
        workdir.mkdir(parents=True, exist_ok=True)
        workdir.chmod(0o755)
        users = workdir / "users.txt"
        users.write_text(f'"{self.user}" "{db["PASSWORD"] or ""}"\n')
        ini = workdir / "pgbouncer.ini"
        ini.write_text(
            "[databases]\n"
            f"* = host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432}\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\nunix_socket_dir =\n"
            f"auth_type = trust\nauth_file = {users}\n"
            f"pool_mode = transaction\ndefault_pool_size = {pool_size}\n"
            "max_client_conn = 200\nserver_lifetime = 3600\n"
            f"admin_users = {self.user}\n"
            "ignore_startup_parameters = extra_float_digits\n"
        )
        for path in (users, ini):
            path.chmod(0o644)
        self.log_path = workdir / "pgbouncer.log"
        command = [PGBOUNCER]
        if os.geteuid() == 0:
            command += ["-u", _unprivileged_user()]
        self._log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [*command, str(ini)],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if not wait_for(self._answers, timeout=15, interval=0.1):
            self.stop()
            pytest.fail(f"pgbouncer did not start:\n{self.log_path.read_text()[-2000:]}")

    @property
    def database_url(self) -> str:
        return f"postgres://{self.user}@127.0.0.1:{self.port}/{self.dbname}"

    def _answers(self) -> bool:
        import psycopg2

        if self.proc.poll() is not None:
            return False
        try:
            with (
                psycopg2.connect(
                    host="127.0.0.1",
                    port=self.port,
                    user=self.user,
                    dbname=self.dbname,
                    connect_timeout=2,
                    password=connection.settings_dict["PASSWORD"] or None,
                ) as conn,
                conn.cursor() as cursor,
            ):
                cursor.execute("SELECT 1")
                return True
        except psycopg2.Error:
            return False

    def transactions(self) -> int:
        """How many transactions PgBouncer has passed to the test database so far (its
        admin console's ``SHOW STATS``)."""
        import psycopg2

        conn = psycopg2.connect(
            host="127.0.0.1", port=self.port, user=self.user, dbname="pgbouncer"
        )
        conn.autocommit = True  # the admin console knows no BEGIN
        try:
            with conn.cursor() as cursor:
                cursor.execute("SHOW STATS")
                names = [c.name for c in cursor.description]
                rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        finally:
            conn.close()
        return sum(r["total_xact_count"] for r in rows if r["database"] == self.dbname)

    def stop(self) -> None:
        _stop(self.proc, signal.SIGINT)  # SIGINT: pgbouncer's safe shutdown
        self._log.close()


def _unprivileged_user() -> str:
    import pwd

    try:
        return pwd.getpwnam("postgres").pw_name
    except KeyError:
        return "nobody"


@pytest.fixture
def pgbouncer(transactional_db):
    """A PgBouncer (transaction pooling) in front of the test database, stopped at teardown.
    Skips without PostgreSQL or the ``pgbouncer`` binary; in CI either missing fails."""
    require_postgres()
    if not os.path.exists(PGBOUNCER):
        reason = "needs the pgbouncer binary (apt-get install pgbouncer)"
        pytest.fail(f"CI=true but {reason}") if IN_CI else pytest.skip(reason)
    bouncer = PgBouncer(Path(tempfile.mkdtemp(prefix="ccops-pgbouncer-")))
    try:
        yield bouncer
    finally:
        bouncer.stop()
        shutil.rmtree(bouncer.log_path.parent, ignore_errors=True)


class AppServer:
    """``gunicorn ccops.wsgi`` (the production entry point and, where present, the
    production ``gunicorn.conf.py``) with ``gthread`` workers, in its own process group."""

    def __init__(self, database_url: str, workers=2, threads=4, **extra_env):
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = ROOT / "var" / f"gunicorn-{self.port}.log"
        env = dict(os.environ)
        env.update(
            DJANGO_SETTINGS_MODULE="tests.integration.server_settings",
            DATABASE_URL=database_url,
            CONN_MAX_AGE="60",
            # The test writes through its own connection and reads the server's effects, so
            # the server's cache must start empty: its own key prefix in the shared Redis.
            CACHE_KEY_PREFIX=f"srv{uuid.uuid4().hex[:12]}",
            PYTHONPATH=str(ROOT),
        )
        env.update({k: str(v) for k, v in extra_env.items()})
        self._log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "ccops.wsgi:application"]
            + ["--bind", f"127.0.0.1:{self.port}", "--worker-class", "gthread"]
            + ["--workers", str(workers), "--threads", str(threads)]
            + ["--timeout", "60", "--graceful-timeout", "5", "--access-logfile", "-"],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if not wait_for(self._healthy, timeout=60, interval=0.25):
            self.stop()
            pytest.fail(f"gunicorn did not answer /healthz:\n{self.log()[-3000:]}")

    def _healthy(self) -> bool:
        if self.proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(f"{self.base_url}/healthz", timeout=5) as response:
                return response.status == 200
        except OSError:
            return False

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def errors_logged(self) -> list[str]:
        """The server's tracebacks' last lines (what a 500 was)."""
        lines = self.log().splitlines()
        return [
            line
            for i, line in enumerate(lines)
            if line
            and not line.startswith((" ", "Traceback", "During handling"))
            and i > 0
            and lines[i - 1].startswith("    ")
        ]

    def stop(self) -> None:
        _stop(self.proc)
        self._log.close()


@pytest.fixture
def app_server(transactional_db):
    """``start(database_url, **env)``: a gunicorn serving the test database at
    ``database_url``; every server started is stopped at teardown."""
    require_postgres()
    started: list[AppServer] = []

    def start(database_url: str, **extra_env) -> AppServer:
        server = AppServer(database_url, **extra_env)
        started.append(server)
        return server

    try:
        yield start
    finally:
        for server in reversed(started):
            server.stop()
