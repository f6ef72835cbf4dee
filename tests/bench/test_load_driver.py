"""The load driver (``bench/load/``) against a live server, so its code cannot rot.

A couple of seconds of the mixed scenario on a tiny dataset: every scenario must run
without an error and the double-assignment check must pass (and find the claims).
"""

import os
import platform
import socket
import socketserver
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token

from bench.load import driver
from ccops.choices import Office, Role
from quality import services as quality_services
from quality.demo_data import FRONT_SCORECARD
from tests.factories import make_user
from tests.services import require_postgres
from training.models import AgentSkill, Skill
from workitems import services
from workitems.choices import Channel
from workitems.models import Customer, WorkType


def test_percentile_is_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert driver.percentile(values, 50) == 50
    assert driver.percentile(values, 95) == 95
    assert driver.percentile(values, 99) == 99
    assert driver.percentile([7.0], 99) == 7
    assert driver.percentile([], 95) == 0


def test_pacer_hands_out_due_times_in_order_until_the_end():
    pacer = driver.Pacer(start=1e7, rate=10, end=1e7 + 1)  # far future: nothing is late
    slots = []
    while (due := pacer.next_slot()) is not None:
        slots.append(due)
    assert len(slots) == 10
    assert slots == sorted(slots)
    assert slots[1] - slots[0] == pytest.approx(0.1)


# --- The HTTP client, against a scripted server -----------------------------------------

ITEM = b'{"item": {"id": 7, "version": 2, "status": "assigned"}}'
BIG = bytes(range(256)) * 400  # 102,400 bytes: one chunk in several reads
REPLIES = {  # path -> the server's answer, byte for byte (None: hang up without one)
    "/json": b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
    b"Content-Length: %d\r\n\r\n%s" % (len(ITEM), ITEM),
    "/chunked": b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n"
    b"\r\n6;ext=1\r\n<html>\r\n%x\r\n%s\r\n7\r\n</html>\r\n0\r\nX-Trailer: done\r\n\r\n"
    % (len(BIG), BIG),
    "/cookies": b"HTTP/1.1 302 Found\r\nLocation: /\r\n"
    b"Set-Cookie: sessionid=abc; expires=Thu, 01 Jan 2099 00:00:00 GMT; HttpOnly; Path=/\r\n"
    b"set-cookie: csrftoken=xyz; Path=/; SameSite=Lax; Secure\r\nContent-Length: 0\r\n\r\n",
    "/close": b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
    "/to-the-end": b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nno length: read to the end",
    "/empty": b"HTTP/1.1 204 No Content\r\nX-Frame-Options: DENY\r\n\r\n",
    "/continue": b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    "/drop": None,
}


class ScriptedServer(socketserver.ThreadingTCPServer):
    """Answers each request on a connection with ``REPLIES[path]``; counts the connections,
    keeps every request it read and, with ``idle_timeout``, hangs up on a connection idle
    that long (as gunicorn's ``keepalive``)."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), ScriptedHandler)
        self.port = self.server_address[1]
        self.connections = 0
        self.requests: list[tuple[str, str, dict, bytes]] = []
        self.idle_timeout: float | None = None
        self.idle_closed = threading.Event()


class ScriptedHandler(socketserver.StreamRequestHandler):
    def handle(self):
        server = self.server
        server.connections += 1
        self.connection.settimeout(server.idle_timeout)
        while True:
            try:
                line = self.rfile.readline()
            except TimeoutError:
                self.connection.shutdown(socket.SHUT_RDWR)
                server.idle_closed.set()
                return
            if not line:
                return
            method, path, _ = line.decode().split(" ")
            headers = {}
            while (header := self.rfile.readline()) != b"\r\n":
                name, _, value = header.decode().partition(":")
                headers[name.lower()] = value.strip()
            body = self.rfile.read(int(headers.get("content-length", 0)))
            server.requests.append((method, path, headers, body))
            reply = REPLIES[path]
            if reply is None:
                return
            if method == "HEAD":
                reply = reply.split(b"\r\n\r\n")[0] + b"\r\n\r\n"
            self.wfile.write(reply)
            if b"Connection: close" in reply:
                return


@pytest.fixture
def http_server():
    server = ScriptedServer()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def client(http_server):
    client = driver.Client("127.0.0.1", http_server.port, timeout=2)
    yield client
    client.close()


def test_client_reads_a_json_body_by_its_content_length(client):
    r = client.request("POST", "/json", body={"version": 1}, token="t")

    assert (r.status, r.body, r.cookies) == (201, ITEM, {})
    assert r.json()["item"] == {"id": 7, "version": 2, "status": "assigned"}


def test_client_keeps_the_connection_alive(client, http_server):
    first = client.request("POST", "/json", body={"version": 1})
    second = client.request("GET", "/json")

    assert first.body == second.body == ITEM
    assert http_server.connections == 1
    assert len(http_server.requests) == 2
    assert client.reconnects == 0


def test_client_reassembles_a_chunked_body(client, http_server):
    r = client.request("GET", "/chunked")

    assert r.status == 200
    assert r.body == b"<html>" + BIG + b"</html>"  # the extension and the trailer left out
    assert client.request("GET", "/json").body == ITEM  # the trailer was read to its end
    assert http_server.connections == 1


def test_client_collects_every_set_cookie(client):
    r = client.request("POST", "/cookies", form={"username": "u"})

    assert r.status == 302
    assert r.cookies == {"sessionid": "abc", "csrftoken": "xyz"}
    assert r.body == b""


def test_connection_close_opens_a_new_connection_for_the_next_request(client, http_server):
    assert client.request("GET", "/close").body == b"ok"
    assert client.request("GET", "/to-the-end").body == b"no length: read to the end"
    assert client.request("GET", "/json").body == ITEM

    assert http_server.connections == 3
    assert client.reconnects == 0  # closing as told is not a reconnect


def test_client_reconnects_once_when_the_server_closed_an_idle_connection(client, http_server):
    http_server.idle_timeout = 0.1
    assert client.request("GET", "/json").status == 201
    assert http_server.idle_closed.wait(5)

    r = client.request("POST", "/json", body={"version": 2})

    assert (r.status, r.body) == (201, ITEM)
    assert client.reconnects == 1
    assert http_server.connections == 2
    assert [(m, p) for m, p, _, _ in http_server.requests] == [("GET", "/json"), ("POST", "/json")]


def test_a_fresh_connection_failing_is_an_error(client, http_server):
    with pytest.raises(driver.RemoteDisconnected):
        client.request("GET", "/drop")
    assert (client.reconnects, http_server.connections) == (0, 1)

    # On a reused connection: one reconnect, then the fresh connection's failure is raised.
    client.request("GET", "/json")
    with pytest.raises(driver.RemoteDisconnected):
        client.request("GET", "/drop")
    assert (client.reconnects, http_server.connections) == (1, 3)


def test_responses_without_a_body_leave_the_connection_in_step(client, http_server):
    empty = client.request("DELETE", "/empty")
    head = client.request("HEAD", "/json")  # Content-Length without the body
    interim = client.request("GET", "/continue")  # a 100 Continue before the answer

    assert (empty.status, empty.body) == (204, b"")
    assert (head.status, head.body) == (201, b"")
    assert (interim.status, interim.body) == (200, b"ok")
    assert client.request("GET", "/json").body == ITEM
    assert http_server.connections == 1


def test_client_sends_the_headers_http_client_sent(client, http_server):
    port = http_server.port
    client.request(
        "POST",
        "/json",
        body={"a": 1},
        token="tok",
        cookies={"sessionid": "s1", "csrftoken": "c1"},
        referer="/accounts/login/",
    )
    client.request("POST", "/cookies", form={"username": "ann", "password": "p w"})
    client.request("GET", "/json")

    common = {
        "host": f"127.0.0.1:{port}",
        "accept-encoding": "identity",
        "x-forwarded-proto": "https",
        "accept": "application/json",
    }
    (_, _, api, api_body), (_, _, form, form_body), (_, _, get, get_body) = http_server.requests
    assert api == {
        **common,
        "content-type": "application/json",
        "authorization": "Token tok",
        "cookie": "sessionid=s1; csrftoken=c1",
        "referer": f"https://127.0.0.1:{port}/accounts/login/",
        "content-length": "8",
    }
    assert api_body == b'{"a": 1}'
    assert form == {
        **common,
        "content-type": "application/x-www-form-urlencoded",
        "content-length": str(len(form_body)),
    }
    assert form_body == b"username=ann&password=p+w"
    assert (get, get_body) == ({**common, "content-length": "0"}, b"")
    assert client.origin == f"https://127.0.0.1:{port}"


@pytest.fixture
def load_fixtures(transactional_db, front_team, supervisor, qa):
    require_postgres()
    skill = Skill.objects.create(name="Calls", office=Office.FRONT)
    work_type = WorkType.objects.create(
        name="Calls",
        office=Office.FRONT,
        channel=Channel.CALL,
        sla=timedelta(hours=1),
        standard_minutes=6,
        required_skill=skill,
        owning_team=front_team,
    )
    customer = Customer.objects.create(external_ref="C-LOAD-1", name="Load Customer")
    agents = [make_user(Role.AGENT, username=f"load{n}", team=front_team) for n in range(5)]
    for agent in agents:
        AgentSkill.objects.create(agent=agent, skill=skill, level=3)
    for n in range(60):
        services.workitem_create(work_type=work_type, title=f"Item {n}", customer=customer)
    done = []
    for _ in range(6):  # completed work of the last agent, for QA to evaluate
        item = services.workitem_claim_next(agent=agents[-1])
        done.append((services.workitem_complete(item=item, by=agents[-1]).pk, Office.FRONT))
    quality_services.scorecard_save(by=qa, **FRONT_SCORECARD)
    api = make_user(Role.SUPERVISOR, username="api-client")
    token = {u.pk: Token.objects.create(user=u).key for u in [*agents, qa, api]}
    return driver.Fixtures(
        agent_tokens=[token[a.pk] for a in agents[:-1]],
        supervisors=[driver.Supervisor(supervisor.username, "pw", front_team.pk)],
        qa_tokens=[token[qa.pk]],
        api_tokens=[token[api.pk]],
        work_types=[work_type.pk],
        customer_refs=[customer.external_ref],
        qa_items=done,
    )


@pytest.mark.postgres
def test_driver_runs_every_scenario_without_errors(live_server, load_fixtures):
    url = urlparse(live_server.url)
    config = driver.Config(
        host=url.hostname,
        port=url.port,
        rate=40,
        duration=2.0,
        warmup=0.2,
        concurrency=4,
        mix={"agent": 60, "api_create": 10, "qa": 10, "queue": 10, "dashboard": 10},
    )
    with connection.cursor() as cursor:
        since_id = driver.last_event_id(cursor)

    run = driver.drive(config, load_fixtures)
    summary = driver.summarise(run, config)

    assert summary["errors"] == 0, summary["error_samples"]
    assert summary["requests"] >= 40
    names = set(summary["endpoints"])
    assert {"agent next", "agent start", "agent complete", "api create item"} <= names
    assert {"qa save draft", "supervisor queue page", "supervisor dashboard"} <= names
    assert "agent actions" in driver.table(summary)
    assert sum(row["requests"] for row in summary["timeline"]) == summary["requests"]
    with connection.cursor() as cursor:
        check = driver.double_assignment_check(cursor, since_id)
    assert check["ok"], check
    assert check["claims_checked"] > 0


def test_the_timeline_slices_the_run_by_when_requests_ended():
    def record(name, at, latency=0.01, lag=0.0, ok=True):
        return driver.Record(name, 200 if ok else 500, ok, latency, lag, at, "")

    start = 1000.0
    records = [
        *(record("agent start", start + 1 + i / 100, latency=0.010) for i in range(100)),
        *(record("agent next", start + 31 + i / 100, latency=0.300, lag=0.5) for i in range(60)),
        record("api create item", start + 40, ok=False),
        record("agent complete", start + 60.2),  # past the end: counted in the last slice
    ]
    rows = driver.timeline(records, start, elapsed=60.0, window=30.0)

    assert [r["from_s"] for r in rows] == [0, 30]
    assert [r["requests"] for r in rows] == [100, 62]
    assert rows[0]["per_second"] == round(100 / 30, 1)
    assert rows[0]["agent_p95_ms"] == 10.0
    assert rows[1]["agent_p95_ms"] == 300.0
    assert (rows[0]["slot_lag_p95_ms"], rows[1]["slot_lag_p95_ms"]) == (0.0, 500.0)
    assert [r["errors"] for r in rows] == [0, 1]
    assert driver.timeline([], start, 60.0) == []


def test_gc_stats_add_up_the_workers(tmp_path, monkeypatch):
    from bench.load import run

    monkeypatch.setattr(run, "GC_DIR", tmp_path)
    (tmp_path / "gc-1.json").write_text('{"0": [10, 0.5, 0.002], "2": [1, 0.05, 0.05]}')
    (tmp_path / "gc-2.json").write_text('{"0": [5, 0.25, 0.004]}')

    assert run.gc_stats() == {
        "generation 0": {"passes": 15, "cpu_s": 0.75, "longest_ms": 4.0},
        "generation 2": {"passes": 1, "cpu_s": 0.05, "longest_ms": 50.0},
    }
    assert list(tmp_path.iterdir()) == []  # read once: the next run starts empty


def test_the_machine_is_sampled_by_slice():
    from bench.load import run

    sampler = run.MachineSampler(window=0.05)
    sampler.start()
    time.sleep(0.13)
    slices = sampler.finish()
    assert len(slices) >= 2
    for s in slices:
        assert 0 <= s["busy_cores"] <= os.cpu_count()
        assert s["stolen_cores"] >= 0
    assert 0 < run.loop_seconds() < 10


def test_run_records_the_servers_interpreter_and_workers():
    from bench.load import run

    args = run.parse_args(["--venv", sys.prefix, "--worker-class", "sync", "--workers", "4"])
    assert (args.worker_class, args.workers) == ("sync", 4)
    assert run.describe_workers(args) == "sync, 4 workers"
    assert run.venv_bin(args, "python") == str(Path(sys.prefix).resolve() / "bin" / "python")
    found = run.interpreter(args)
    assert found["version"] == platform.python_version()
    assert found["executable"] == os.path.realpath(sys.executable)
    assert isinstance(found["links_libpython"], bool)
    threaded = run.parse_args([])  # the Procfile's layout
    assert run.describe_workers(threaded) == "gthread, 3 workers x 6 threads"
    assert run.server_env(threaded)["LOAD_WORKER_CLASS"] == "gthread"


@pytest.mark.django_db(transaction=True)
def test_analyze_stale_renews_the_statistics_autovacuum_would():
    """run.py stands in for autovacuum's ANALYZE where autovacuum is off: a table filled
    since its last ANALYZE is analyzed, one that was just analyzed is left alone."""
    require_postgres()
    from bench.load import run

    with connection.cursor() as cur:
        cur.execute("CREATE TABLE bench_stale_probe (id int PRIMARY KEY)")
    try:
        with connection.cursor() as cur:
            cur.execute("ANALYZE bench_stale_probe")  # analyzed while empty
            cur.execute("INSERT INTO bench_stale_probe SELECT generate_series(1, 5000)")
            cur.execute("SELECT pg_stat_force_next_flush()")
        with connection.cursor() as cur:
            assert "public.bench_stale_probe" in run.analyze_stale(cur)
            cur.execute(
                "SELECT n_mod_since_analyze, last_analyze IS NOT NULL FROM pg_stat_user_tables "
                "WHERE relname = 'bench_stale_probe'"
            )
            assert cur.fetchone() == (0, True)
            cur.execute("SELECT reltuples FROM pg_class WHERE relname = 'bench_stale_probe'")
            assert cur.fetchone()[0] == 5000
            cur.execute("SELECT pg_stat_force_next_flush()")
            assert "public.bench_stale_probe" not in run.analyze_stale(cur)
    finally:
        with connection.cursor() as cur:
            cur.execute("DROP TABLE bench_stale_probe")
