"""The load driver's core: HTTP client, virtual users, pacing, statistics, and the SQL check
that no work item was assigned twice. No Django import: it talks HTTP to a server on the
loopback and SQL through any DB-API cursor, so ``run.py`` (gunicorn + PostgreSQL) and the
smoke test (Django's ``live_server``) share it.

Pacing is open-loop-ish: request *k* is due at ``start + k / rate``. A bounded pool of
``concurrency`` threads takes the due times in order; each sleeps until its slot, then runs
one step of a scenario. When the server falls behind, every thread is busy and slots start
late: that ``lag`` (the wait the pool could not absorb) is reported next to the latency, and
the achieved rate drops below the target, instead of being hidden (coordinated omission).

Scenario steps (one HTTP request each), chosen per slot by ``MIX`` weights:

- ``agent``: one of 2,000 agents (taken round-robin) does the next step of their work:
  ``POST /api/v1/workitems/next/``, then ``/{id}/start/``, then ``/{id}/complete/`` (each
  with the ``version`` the previous answer gave);
- ``api_create``: an API client creates an item (``POST /api/v1/workitems/``, unique
  ``external_ref``);
- ``qa``: a QA analyst saves a draft evaluation of a completed item (``POST
  /api/v1/quality/evaluations/`` with part of the answers), then submits it with all answers
  (``POST .../{id}/submit/``);
- ``queue``: a supervisor refreshes their team's queue page (``GET /work/queue/?team=..``,
  session login);
- ``dashboard``: a supervisor refreshes the dashboard (``GET /dashboard/``).
"""

from __future__ import annotations

import collections
import json
import queue
import random
import re
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode

# Share of request slots per scenario (agents dominate, as in a contact center).
MIX = {"agent": 78, "api_create": 10, "qa": 5, "queue": 5, "dashboard": 2}
AGENT_ENDPOINTS = ("agent next", "agent start", "agent complete")
ENDPOINTS = (
    *AGENT_ENDPOINTS,
    "api create item",
    "qa save draft",
    "qa submit",
    "supervisor queue page",
    "supervisor dashboard",
)
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


# --- Inputs -----------------------------------------------------------------------------


@dataclass
class Supervisor:
    username: str
    password: str
    team_id: int
    cookies: dict = field(default_factory=dict)


@dataclass
class Fixtures:
    """Who and what the virtual users act with (made by ``run.py`` or a test)."""

    agent_tokens: list[str]
    supervisors: list[Supervisor]
    qa_tokens: list[str]
    api_tokens: list[str]
    work_types: list[int]
    customer_refs: list[str]
    qa_items: list[tuple[int, str]]  # (id, office) of completed, unevaluated items


@dataclass
class Config:
    host: str = "127.0.0.1"
    port: int = 8055
    rate: float = 300.0  # requests per second, all scenarios together
    duration: float = 300.0  # seconds measured
    warmup: float = 5.0  # seconds driven before measuring (not in the figures)
    concurrency: int = 64  # virtual-user threads (the bound on requests in flight)
    timeout: float = 30.0
    mix: dict = field(default_factory=lambda: dict(MIX))
    seed: int = 1


# --- HTTP -------------------------------------------------------------------------------


class Response:
    __slots__ = ("status", "body", "cookies")

    def __init__(self, status: int, body: bytes, cookies: dict):
        self.status, self.body, self.cookies = status, body, cookies

    def json(self):
        return json.loads(self.body)


class RemoteDisconnected(ConnectionResetError):
    """The server closed the connection before a byte of the response."""


class ProtocolError(ConnectionError):
    """The response broke off or is not HTTP/1.x: the connection is of no further use."""


def _size(text: bytes, base: int) -> int:
    """A ``Content-Length`` (base 10) or a chunk size (base 16)."""
    try:
        n = int(text, base)
    except ValueError:
        n = -1
    if n < 0:
        raise ProtocolError(f"bad length {text!r}")
    return n


class _Reader:
    """Reads one response from ``sock``: ``buf`` holds what was received and not yet used."""

    def __init__(self, sock: socket.socket, first: bytes):
        self.sock, self.buf = sock, bytearray(first)

    def fill(self, size: int = 65536) -> None:
        data = self.sock.recv(size)
        if not data:
            raise ProtocolError("the server closed the connection mid-response")
        self.buf += data

    def until(self, sep: bytes) -> bytes:
        """The bytes up to ``sep``, which is consumed too."""
        start = 0
        while (end := self.buf.find(sep, start)) < 0:
            start = max(len(self.buf) - len(sep) + 1, 0)
            self.fill()
        out = bytes(self.buf[:end])
        del self.buf[: end + len(sep)]
        return out

    def take(self, n: int) -> bytes:
        while len(self.buf) < n:
            self.fill(max(n - len(self.buf), 65536))
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def chunked(self) -> bytes:
        """A chunked body: sizes in hex (``;extensions`` ignored), then trailer fields (read
        and dropped) up to an empty line."""
        parts = []
        while size := _size(self.until(b"\r\n").split(b";", 1)[0], 16):
            parts.append(self.take(size))
            if self.take(2) != b"\r\n":
                raise ProtocolError("a chunk does not end with CRLF")
        while self.until(b"\r\n"):
            pass
        return b"".join(parts)

    def rest(self) -> bytes:
        """Everything up to the end of the connection."""
        while data := self.sock.recv(65536):
            self.buf += data
        out = bytes(self.buf)
        self.buf.clear()
        return out


class Client:
    """One keep-alive HTTP/1.1 connection. Every request says ``X-Forwarded-Proto: https``:
    the production settings trust that header (``SECURE_PROXY_SSL_HEADER``), so secure
    cookies and the HTTPS-only CSRF referer check work over plain loopback HTTP, as behind a
    TLS proxy. Cookies are kept by the caller (a cookie jar would not send ``Secure`` ones).

    A small client on a plain socket rather than ``http.client``: that one parses every
    response's headers with ``email.parser``, a sizeable share of the driver's CPU per
    request, and the driver runs on the same cores as the server it measures, so each
    millisecond it spends is taken from the server. The request goes out in one ``sendall``;
    the response is parsed with bytes operations: the body by ``Content-Length``, chunked
    (gunicorn's choice when Django sets no length) or up to the end of the connection, none
    for ``HEAD``, 204 and 304; interim 1xx answers are skipped."""

    def __init__(self, host: str, port: int, timeout: float):
        self.host, self.port, self.timeout = host, port, timeout
        self.sock: socket.socket | None = None
        self.origin = f"https://{host}:{port}"
        self.reconnects = 0

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def request(self, method, path, *, body=None, token=None, cookies=None, form=None, referer=""):
        # The headers http.client sent: Host and Accept-Encoding first, then ours.
        head = [
            f"{method} {path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            "Accept-Encoding: identity",
            "X-Forwarded-Proto: https",
            "Accept: application/json",
        ]
        data = b""
        if form is not None:
            data = urlencode(form).encode()
            head.append("Content-Type: application/x-www-form-urlencoded")
        elif body is not None:
            data = json.dumps(body).encode()
            head.append("Content-Type: application/json")
        if token:
            head.append(f"Authorization: Token {token}")
        if cookies:
            head.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()))
        if referer:
            head.append(f"Referer: {self.origin}{referer}")
        head.append(f"Content-Length: {len(data)}")
        message = "\r\n".join(head).encode("latin-1") + b"\r\n\r\n" + data
        while True:
            reused = self.sock is not None
            if self.sock is None:
                self.sock = socket.create_connection((self.host, self.port), self.timeout)
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            first = b""
            try:
                self.sock.sendall(message)
                first = self.sock.recv(65536)
                if not first:
                    raise RemoteDisconnected("the server closed the connection without a response")
                response, will_close = self._response(_Reader(self.sock, first), method)
            except (ConnectionResetError, BrokenPipeError):
                # The server closed an idle keep-alive connection before reading this request:
                # reconnect once (that connection is fresh). A fresh connection failing, or
                # one failing once the response has begun, is a real error.
                self.close()
                if not reused or first:
                    raise
                self.reconnects += 1
                continue
            except Exception:
                self.close()
                raise
            if will_close:
                self.close()
            return response

    @staticmethod
    def _response(reader: _Reader, method: str) -> tuple[Response, bool]:
        """Read one response; also whether the connection must be closed after it."""
        status = 100
        while 100 <= status < 200:  # interim answers (1xx) precede the final one
            lines = reader.until(b"\r\n\r\n").split(b"\r\n")
            version, _, rest = lines[0].partition(b" ")
            code = rest.partition(b" ")[0]
            if not version.startswith(b"HTTP/1.") or len(code) != 3 or not code.isdigit():
                raise ProtocolError(f"bad status line {lines[0][:100]!r}")
            status = int(code)
        headers: dict[bytes, list[bytes]] = {}
        for line in lines[1:]:
            name, colon, value = line.partition(b":")
            if not colon:
                raise ProtocolError(f"bad header line {line[:100]!r}")
            headers.setdefault(name.strip().lower(), []).append(value.strip())
        tokens = {t.strip().lower() for v in headers.get(b"connection", ()) for t in v.split(b",")}
        if version == b"HTTP/1.1":
            will_close = b"close" in tokens
        else:
            will_close = b"keep-alive" not in tokens
        codings = b",".join(headers.get(b"transfer-encoding", ())).lower()
        if method == "HEAD" or status in (204, 304):
            payload = b""
        elif codings:  # overrides any Content-Length; the last coding must be chunked
            if codings.rsplit(b",", 1)[-1].strip() == b"chunked":
                payload = reader.chunked()
            else:
                payload, will_close = reader.rest(), True
        elif b"content-length" in headers:
            payload = reader.take(_size(headers[b"content-length"][-1], 10))
        else:
            payload, will_close = reader.rest(), True
        jar = {}
        for header in headers.get(b"set-cookie", ()):
            for name, morsel in SimpleCookie(header.decode("latin-1")).items():
                jar[name] = morsel.value
        # Bytes past the response were never asked for: the connection is out of step.
        return Response(status, payload, jar), will_close or bool(reader.buf)


def login(client: Client, supervisor: Supervisor) -> None:
    """Session login through the login page (CSRF cookie + form token + HTTPS referer)."""
    page = client.request("GET", "/accounts/login/")
    if page.status != 200:
        raise RuntimeError(f"login page: HTTP {page.status}")
    match = CSRF_INPUT.search(page.body.decode())
    cookies = dict(page.cookies)
    form = {
        "username": supervisor.username,
        "password": supervisor.password,
        "csrfmiddlewaretoken": match.group(1) if match else "",
    }
    done = client.request(
        "POST", "/accounts/login/", form=form, cookies=cookies, referer="/accounts/login/"
    )
    cookies.update(done.cookies)
    if done.status != 302 or "sessionid" not in cookies:
        raise RuntimeError(f"login of {supervisor.username}: HTTP {done.status}")
    supervisor.cookies = cookies


# --- Virtual users ----------------------------------------------------------------------


@dataclass
class Agent:
    token: str
    item: int | None = None
    version: int | None = None
    status: str = ""


@dataclass
class Evaluator:
    token: str
    draft: int | None = None
    version: int | None = None
    answers: dict | None = None


def _pool(users) -> queue.SimpleQueue:
    pool = queue.SimpleQueue()
    for user in users:
        pool.put(user)
    return pool


class Record(collections.namedtuple("Record", "endpoint status ok latency lag at note")):
    """One request: ``latency`` from send to the last byte, ``lag`` its start past its slot."""


class Scenario:
    """Shared state of the virtual users; every step is one request and one ``Record``."""

    def __init__(self, config: Config, fixtures: Fixtures, cards: list[dict]):
        self.config, self.fixtures = config, fixtures
        self.criteria = {card["id"]: card["criteria"] for card in cards}
        self.cards = {}  # office ("" = both) -> the scorecard id used to prepare answers
        for card in sorted(cards, key=lambda c: c["id"], reverse=True):
            self.cards[card["office"] or ""] = card["id"]
        # Idle users wait in FIFO queues: a step takes one (waiting if all are busy), so a
        # virtual user is driven by one thread at a time, and puts it back at the end.
        agents = [Agent(t) for t in fixtures.agent_tokens]
        random.Random(config.seed).shuffle(agents)  # another --seed, another order
        self.agents = _pool(agents)
        self.evaluators = _pool(Evaluator(t) for t in fixtures.qa_tokens)
        self.supervisors = _pool(fixtures.supervisors)
        self.qa_items = collections.deque(fixtures.qa_items)
        self.run_id = uuid.uuid4().hex[:8]
        self.counter = iter(range(1, 1 << 62))
        self.lock = threading.Lock()
        self.kinds = [k for k, w in config.mix.items() if w > 0]
        self.weights = [config.mix[k] for k in self.kinds]

    # Each step returns (endpoint, response, ok, note), or None if it had nothing to do.

    def step(self, kind: str, client: Client, rng: random.Random):
        return getattr(self, f"step_{kind}")(client, rng)

    def step_agent(self, client, rng):
        agent = self.agents.get()
        try:
            if agent.item is None:
                r = client.request("POST", "/api/v1/workitems/next/", token=agent.token)
                if r.status != 200:
                    return "agent next", r, False, ""
                item = r.json()["item"]
                if item is None:
                    return "agent next", r, True, "no work"
                agent.item, agent.version, agent.status = item["id"], item["version"], "assigned"
                return "agent next", r, item["status"] == "assigned", ""
            if agent.status == "assigned":
                path, name = f"/api/v1/workitems/{agent.item}/start/", "agent start"
            else:
                path, name = f"/api/v1/workitems/{agent.item}/complete/", "agent complete"
            r = client.request("POST", path, body={"version": agent.version}, token=agent.token)
            if r.status != 200:
                agent.item = None  # ask for work again: next/ hands back a held item
                return name, r, False, ""
            item = r.json()
            if item["status"] == "done":
                agent.item = None
            else:
                agent.version, agent.status = item["version"], item["status"]
            return name, r, True, ""
        finally:
            self.agents.put(agent)

    def step_api_create(self, client, rng):
        n = next(self.counter)
        body = {
            "work_type": rng.choice(self.fixtures.work_types),
            "title": f"Load test item {self.run_id}-{n}",
            "priority": rng.choice((2, 3, 3, 3, 4)),
            "external_ref": f"LOAD-{self.run_id}-{n}",
        }
        if self.fixtures.customer_refs and rng.random() < 0.8:
            body["customer_ref"] = rng.choice(self.fixtures.customer_refs)
        token = rng.choice(self.fixtures.api_tokens)
        r = client.request("POST", "/api/v1/workitems/", body=body, token=token)
        return "api create item", r, r.status == 201, ""

    def step_qa(self, client, rng):
        qa = self.evaluators.get()
        try:
            if qa.draft is None:
                try:
                    item, office = self.qa_items.popleft()
                except IndexError:
                    return None  # nothing left to evaluate: the slot goes to another scenario
                card = self.cards.get(office) or self.cards.get("")
                answers = self.answers(card, rng)
                keys = sorted(answers)
                # Saved as a draft with half of the answers (the score stays provisional).
                body = {
                    "item": item,
                    "answers": {k: answers[k] for k in keys[: len(keys) // 2]},
                    "overall_comment": "Load test draft",
                }
                r = client.request(
                    "POST", "/api/v1/quality/evaluations/", body=body, token=qa.token
                )
                if r.status != 201:
                    return "qa save draft", r, False, ""
                data = r.json()
                if data["scorecard"] != card:  # another card applies: answer that one
                    answers = self.answers(data["scorecard"], rng)
                qa.draft, qa.version, qa.answers = data["id"], data["version"], answers
                return "qa save draft", r, data["status"] == "draft", ""
            r = client.request(
                "POST",
                f"/api/v1/quality/evaluations/{qa.draft}/submit/",
                body={"answers": qa.answers, "version": qa.version},
                token=qa.token,
            )
            qa.draft = None
            ok = r.status == 200 and r.json()["status"] == "submitted"
            return "qa submit", r, ok, ""
        finally:
            self.evaluators.put(qa)

    def answers(self, scorecard: int, rng: random.Random) -> dict:
        out = {}
        for c in self.criteria[scorecard]:
            if c["kind"] == "scale":
                out[c["key"]] = rng.randint(max(0, c["scale_max"] - 2), c["scale_max"])
            elif c["na_allowed"] and rng.random() < 0.3:
                out[c["key"]] = "na"
            else:
                out[c["key"]] = "no" if not c["critical"] and rng.random() < 0.1 else "yes"
        return out

    def _supervisor_get(self, client, path_for, name):
        sup = self.supervisors.get()
        try:
            r = client.request("GET", path_for(sup), cookies=sup.cookies)
            return name, r, r.status == 200, ""
        finally:
            self.supervisors.put(sup)

    def step_queue(self, client, rng):
        return self._supervisor_get(
            client, lambda s: f"/work/queue/?team={s.team_id}", "supervisor queue page"
        )

    def step_dashboard(self, client, rng):
        return self._supervisor_get(client, lambda s: "/dashboard/", "supervisor dashboard")


# --- Running ----------------------------------------------------------------------------


class Pacer:
    """Hands out the due times ``start + k / rate`` in order, until ``end``."""

    def __init__(self, start: float, rate: float, end: float):
        self.start, self.interval, self.end = start, 1.0 / rate, end
        self.k = 0
        self.lock = threading.Lock()

    def next_slot(self) -> float | None:
        """The next due time; None once the end is due or past (slots the pool could not
        start in time are then dropped: ``planned - issued`` in the summary)."""
        if time.perf_counter() >= self.end:
            return None
        with self.lock:
            due = self.start + self.k * self.interval
            if due >= self.end:
                return None
            self.k += 1
        return due


def setup(config: Config, fixtures: Fixtures) -> list[dict]:
    """Log the supervisors in and read the current scorecards (not measured)."""
    client = Client(config.host, config.port, config.timeout)
    try:
        for supervisor in fixtures.supervisors:
            login(client, supervisor)
        if not fixtures.qa_tokens:
            return []
        r = client.request(
            "GET", "/api/v1/quality/scorecards/?is_current=true", token=fixtures.qa_tokens[0]
        )
        if r.status != 200:
            raise RuntimeError(f"scorecards: HTTP {r.status} {r.body[:200]!r}")
        data = r.json()
        return data["results"] if isinstance(data, dict) else data
    finally:
        client.close()


def drive(config: Config, fixtures: Fixtures, on_measure=None) -> dict:
    """Run the mixed scenario; return the measured records and run facts. ``on_measure`` is
    called when the warm-up ends and measuring starts."""
    mix = dict(config.mix)
    if not fixtures.qa_tokens or not fixtures.qa_items:
        mix["qa"] = 0
    if not fixtures.supervisors:
        mix["queue"] = mix["dashboard"] = 0
    if not fixtures.api_tokens:
        mix["api_create"] = 0
    config = Config(**{**config.__dict__, "mix": mix})
    scenario = Scenario(config, fixtures, setup(config, fixtures))
    t0 = time.perf_counter() + 0.2
    measure_from = t0 + config.warmup
    pacer = Pacer(t0, config.rate, measure_from + config.duration)
    per_thread: list[list[Record]] = [[] for _ in range(config.concurrency)]
    reconnects = [0] * config.concurrency

    def worker(i: int) -> None:
        rng = random.Random(config.seed * 1000 + i)
        client = Client(config.host, config.port, config.timeout)
        out = per_thread[i]
        try:
            while (due := pacer.next_slot()) is not None:
                pause = due - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
                started = time.perf_counter()
                kind = rng.choices(scenario.kinds, scenario.weights)[0]
                try:
                    result = scenario.step(kind, client, rng)
                    if result is None:
                        result = scenario.step("agent", client, rng)
                    name, r, ok, note = result
                    status = r.status
                    if not ok and not note:
                        note = r.body[:300].decode(errors="replace")
                except Exception as exc:  # noqa: BLE001 - a failed request is a figure
                    name, status, ok = f"{kind} (transport)", 0, False
                    note = f"{type(exc).__name__}: {exc}"
                ended = time.perf_counter()
                if started >= measure_from:
                    out.append(
                        Record(name, status, ok, ended - started, started - due, ended, note)
                    )
        finally:
            reconnects[i] = client.reconnects
            client.close()

    threads = [
        threading.Thread(target=worker, args=(i,), daemon=True) for i in range(len(per_thread))
    ]
    timer = None
    if on_measure is not None:
        timer = threading.Timer(max(measure_from - time.perf_counter(), 0), on_measure)
        timer.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if timer is not None:
        timer.join()
    ended = time.perf_counter()
    records = [r for rs in per_thread for r in rs]
    return {
        "records": records,
        "elapsed": max(ended - measure_from, 1e-9),
        "slots_planned": int((pacer.end - pacer.start) / pacer.interval),
        "slots_issued": pacer.k,
        "reconnects": sum(reconnects),
        "mix": mix,
        "measure_from": measure_from,
    }


# --- Figures ----------------------------------------------------------------------------


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list (q in 0..100)."""
    if not sorted_values:
        return 0.0
    rank = max(1, -(-len(sorted_values) * q // 100))  # ceil(n * q / 100)
    return sorted_values[int(min(rank, len(sorted_values))) - 1]


def _latency(values: list[float]) -> dict:
    ms = sorted(v * 1000 for v in values)
    return {
        "p50_ms": round(percentile(ms, 50), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "p99_ms": round(percentile(ms, 99), 1),
        "max_ms": round(ms[-1], 1) if ms else 0.0,
    }


def summarise(run: dict, config: Config) -> dict:
    records: list[Record] = run["records"]
    elapsed = run["elapsed"]
    by_endpoint: dict[str, list[Record]] = collections.defaultdict(list)
    for r in records:
        by_endpoint[r.endpoint].append(r)
    order = [e for e in ENDPOINTS if e in by_endpoint] + sorted(set(by_endpoint) - set(ENDPOINTS))
    endpoints = {}
    for name in order:
        rs = by_endpoint[name]
        bad = [r for r in rs if not r.ok]
        endpoints[name] = {
            "count": len(rs),
            "per_second": round(len(rs) / elapsed, 1),
            **_latency([r.latency for r in rs]),
            "errors": len(bad),
            "statuses": dict(collections.Counter(r.status for r in rs)),
            **({"no_work": sum(r.note == "no work" for r in rs)} if name == "agent next" else {}),
        }
    agent = [r for r in records if r.endpoint in AGENT_ENDPOINTS]
    errors = [r for r in records if not r.ok]
    return {
        "target_rate": config.rate,
        "duration_s": round(elapsed, 1),
        "concurrency": config.concurrency,
        "requests": len(records),
        "achieved_rate": round(len(records) / elapsed, 1),
        "errors": len(errors),
        "error_samples": [f"{r.endpoint} HTTP {r.status}: {r.note[:200]}" for r in errors[:10]],
        "reconnects": run["reconnects"],
        # slots due but never started: the pool was saturated (the server fell behind)
        "slots_dropped": run["slots_planned"] - run["slots_issued"],
        "mix": run["mix"],
        "all": _latency([r.latency for r in records]),
        "agent_actions": {"count": len(agent), **_latency([r.latency for r in agent])},
        "slot_lag": _latency([max(r.lag, 0.0) for r in records]),
        "endpoints": endpoints,
        "timeline": timeline(records, run.get("measure_from"), elapsed),
    }


TIMELINE_WINDOW = 30.0  # seconds


def timeline(
    records: list[Record], start: float | None, elapsed: float, window=TIMELINE_WINDOW
) -> list:
    """The run in ``window``-second slices, by when requests ended: a tail that comes from a
    few stalls (a checkpoint, a neighbour on the host) shows as one bad slice, a server past
    its knee as all of them."""
    if start is None or not records:
        return []
    slices: dict[int, list[Record]] = collections.defaultdict(list)
    last = max(round(elapsed / window), 1) - 1  # a short remainder joins the last slice
    for r in records:
        slices[min(max(int((r.at - start) // window), 0), last)].append(r)
    out = []
    for k in range(last + 1):
        rs = slices.get(k, [])
        span = elapsed - k * window if k == last else window
        agent = [r.latency for r in rs if r.endpoint in AGENT_ENDPOINTS]
        out.append(
            {
                "from_s": round(k * window),
                "requests": len(rs),
                "per_second": round(len(rs) / span, 1) if span > 0 else 0.0,
                "agent_p95_ms": _latency(agent)["p95_ms"],
                "slot_lag_p95_ms": _latency([max(r.lag, 0.0) for r in rs])["p95_ms"],
                "errors": sum(not r.ok for r in rs),
            }
        )
    return out


def table(summary: dict) -> str:
    head = f"{'endpoint':<24}{'count':>8}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}"
    head += f"{'p99 ms':>9}{'max ms':>9}{'errors':>8}"
    lines = [head, "-" * len(head)]

    def row(name, d, count=None, rate=None, errors=""):
        count = d.get("count", count)
        rate = d.get("per_second", rate)
        lines.append(
            f"{name:<24}{count:>8}{rate:>8}{d['p50_ms']:>9}{d['p95_ms']:>9}"
            f"{d['p99_ms']:>9}{d['max_ms']:>9}{d.get('errors', errors):>8}"
        )

    for name, d in summary["endpoints"].items():
        row(name, d)
    lines.append("-" * len(head))
    agent = summary["agent_actions"]
    row("agent actions", agent, rate=round(agent["count"] / summary["duration_s"], 1))
    row(
        "all",
        summary["all"],
        count=summary["requests"],
        rate=summary["achieved_rate"],
        errors=summary["errors"],
    )
    row("slot lag (not latency)", summary["slot_lag"], count="", rate="")
    if summary.get("timeline"):
        head = f"{'from s':>8}{'req/s':>8}{'agent p95':>11}{'lag p95':>9}{'errors':>8}"
        lines += ["", head + f"{'busy cores':>12}{'stolen':>8}"]
        lines += [
            f"{t['from_s']:>8}{t['per_second']:>8}{t['agent_p95_ms']:>11}"
            f"{t['slot_lag_p95_ms']:>9}{t['errors']:>8}"
            f"{t.get('busy_cores', ''):>12}{t.get('stolen_cores', ''):>8}"
            for t in summary["timeline"]
        ]
    return "\n".join(lines)


# --- The double-assignment check --------------------------------------------------------

# Every event of an item that sets a status, in the order they were written (a change to an
# item holds its row lock until commit, so its events' ids grow in that order).
_CHAIN = """
WITH touched AS (
    SELECT DISTINCT item_id FROM workitems_workitemevent WHERE id > %(since_id)s
), chain AS (
    SELECT e.id, e.item_id, e.kind, e.at, e.from_status, e.to_status, e.actor_id,
           e.assignee_id, e.data,
           lag(e.to_status) OVER w AS prev_status,
           lag(e.assignee_id) OVER w AS prev_assignee
    FROM workitems_workitemevent e JOIN touched USING (item_id)
    WHERE e.to_status <> ''
    WINDOW w AS (PARTITION BY e.item_id ORDER BY e.id)
)
"""
CHECKS = {
    # claims from the queue in the checked events (the denominator)
    "claims_checked": "SELECT count(*) FROM workitems_workitemevent "
    """WHERE kind = 'assigned' AND id > %(since_id)s AND data @> '{"claimed": true}'""",
    # an item claimed from the queue by two different agents
    "items_claimed_by_two_agents": "SELECT count(*) FROM (SELECT item_id "
    "FROM workitems_workitemevent WHERE kind = 'assigned' AND id > %(since_id)s "
    """AND data @> '{"claimed": true}' GROUP BY item_id """
    "HAVING count(DISTINCT assignee_id) > 1) t",
    # a claim of an item that was not in the queue (new) just before: taken from its holder
    "claims_of_items_not_in_queue": _CHAIN + "SELECT count(*) FROM chain WHERE id > %(since_id)s "
    """AND kind = 'assigned' AND data @> '{"claimed": true}' """
    "AND prev_status IS DISTINCT FROM 'new'",
    # an event whose from-status is not the status the previous event left (a lost update)
    "broken_status_chains": _CHAIN + "SELECT count(*) FROM chain WHERE id > %(since_id)s "
    "AND from_status <> '' AND prev_status IS DISTINCT FROM from_status",
    # started/completed/paused by someone who did not hold the item
    "actions_by_non_holder": _CHAIN + "SELECT count(*) FROM chain WHERE id > %(since_id)s "
    "AND kind IN ('started', 'completed', 'pending', 'escalated', 'handed_off') "
    "AND actor_id IS DISTINCT FROM prev_assignee",
    # an item completed twice without a reopen in between
    "items_completed_twice": _CHAIN + "SELECT count(*) FROM chain WHERE id > %(since_id)s "
    "AND kind = 'completed' AND prev_status = 'done'",
    # an item whose status or holder is not what its last event says
    "items_not_matching_last_event": _CHAIN + "SELECT count(*) FROM ("
    "SELECT DISTINCT ON (item_id) item_id, to_status, assignee_id FROM chain "
    "ORDER BY item_id, id DESC) last JOIN workitems_workitem i ON i.id = last.item_id "
    "WHERE i.status <> last.to_status OR i.assignee_id IS DISTINCT FROM last.assignee_id",
    # an agent holding two claimed-but-unstarted items (a claim hands back the held one)
    "agents_holding_two_claims": "SELECT count(*) FROM (SELECT assignee_id FROM "
    "workitems_workitem WHERE status = 'assigned' GROUP BY assignee_id HAVING count(*) > 1) t",
}


def last_event_id(cursor) -> int:
    cursor.execute("SELECT coalesce(max(id), 0) FROM workitems_workitemevent")
    return cursor.fetchone()[0]


def double_assignment_check(cursor, since_id: int) -> dict:
    """Run ``CHECKS`` over the events written after event ``since_id`` (ids, not times:
    generated history may hold events dated in the future); ``ok`` when all are zero."""
    out = {}
    for name, sql in CHECKS.items():
        cursor.execute(sql, {"since_id": since_id})
        out[name] = cursor.fetchone()[0]
    out["ok"] = not any(v for k, v in out.items() if k != "claims_checked")
    return out
