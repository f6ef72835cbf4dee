"""Traffic for the serving tests (test_pgbouncer.py, test_live_migration.py): a small center
built in the test database, an HTTP client that records every answer, the threads that play
agents (through the API with tokens, and through the pages), a supervisor and a QA evaluator
against a real server, and the checks that no item was held by two agents."""

from __future__ import annotations

import http.client
import json
import random
import re
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlparse

import pytest
from django.db import connection
from django.db.models import Count
from rest_framework.authtoken.models import Token

from ccops.choices import Office, Role
from quality import services as quality_services
from tests.factories import make_front_type, make_user
from training.models import AgentSkill, Skill
from workitems import services as work
from workitems.choices import EventKind, Status
from workitems.models import WorkItem, WorkItemEvent

PASSWORD = "pw"  # tests.factories.UserFactory's
CRITERIA = [
    {"section": "Opening", "key": "greeting", "text": "Greets the customer", "weight": 40},
    {"section": "Outcome", "key": "resolution", "text": "Resolves the request", "weight": 60},
]
ANSWERS = {"greeting": "yes", "resolution": "yes"}


# --- The center ---------------------------------------------------------------------------


@dataclass
class World:
    work_type_id: int
    supervisor: object
    qa: object
    api_agents: list
    page_agents: list
    tokens: dict  # user id -> API token key


def build_world(*, api_agents=5, page_agents=2, items=60) -> World:
    """One front-office team with a calls queue, its agents (skilled for it), a supervisor, a
    QA evaluator with a scorecard for the front office, API tokens and ``items`` new calls."""
    from tests.factories import TeamFactory

    team = TeamFactory(name="Serving", office=Office.FRONT)
    supervisor = make_user(Role.SUPERVISOR, username="srv-super", team=team)
    team.supervisor = supervisor
    team.save()
    skill = Skill.objects.create(name="Serving calls", office=Office.FRONT)
    work_type = make_front_type(team, skill, name="Serving calls")
    qa = make_user(Role.QA, username="srv-qa")
    quality_services.scorecard_save(
        by=qa, name="Serving calls", pass_mark=80, office=Office.FRONT, criteria=CRITERIA
    )
    agents = [
        make_user(Role.AGENT, username=f"srv-agent{i:02}", team=team)
        for i in range(api_agents + page_agents)
    ]
    for agent in agents:
        AgentSkill.objects.create(agent=agent, skill=skill, level=3)
    tokens = {user.pk: Token.objects.create(user=user).key for user in [*agents, supervisor, qa]}
    for i in range(items):
        work.workitem_create(work_type=work_type, title=f"Call {i}")
    return World(
        work_type_id=work_type.pk,
        supervisor=supervisor,
        qa=qa,
        api_agents=agents[:api_agents],
        page_agents=agents[api_agents:],
        tokens=tokens,
    )


# --- An HTTP client that records every answer -----------------------------------------------


@dataclass
class Answer:
    who: str
    method: str
    path: str
    status: int  # 0: no answer (connection refused, reset, timed out)
    expected: bool
    at: float
    detail: str = ""


@dataclass
class Recorder:
    answers: list[Answer] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, answer: Answer) -> None:
        with self.lock:
            self.answers.append(answer)

    def count(self) -> int:
        with self.lock:
            return len(self.answers)

    def server_errors(self) -> list[Answer]:
        return [a for a in self.answers if a.status >= 500 or a.status == 0]

    def unexpected(self) -> list[Answer]:
        return [a for a in self.answers if not a.expected]

    def summary(self) -> str:
        statuses = Counter(a.status for a in self.answers)
        lines = [f"{len(self.answers)} requests, statuses {dict(sorted(statuses.items()))}"]
        by_kind = Counter((a.method, _route(a.path), a.status) for a in self.unexpected())
        for (method, route, status), n in by_kind.most_common(25):
            sample = next(
                a
                for a in self.unexpected()
                if (a.method, _route(a.path), a.status)
                == (
                    method,
                    route,
                    status,
                )
            )
            lines.append(f"  {n} x {status} {method} {route}: {sample.detail[:300]}")
        return "\n".join(lines)


def _route(path: str) -> str:
    return re.sub(r"/\d+/", "/<id>/", path.split("?")[0])


class Client:
    """One user's HTTP client: a new connection per request (as many browsers behind a
    proxy), cookies kept, the CSRF token sent back on form posts; an API token if given."""

    def __init__(self, base_url: str, who: str, recorder: Recorder, token: str | None = None):
        parsed = urlparse(base_url)
        self.host, self.port = parsed.hostname, parsed.port
        self.who, self.recorder, self.token = who, recorder, token
        self.cookies: dict[str, str] = {}

    def call(self, method, path, *, json_body=None, form=None, expect=(200,)):
        headers = {"Accept": "application/json" if path.startswith("/api/") else "text/html"}
        body = None
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        elif form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.token and path.startswith("/api/"):
            headers["Authorization"] = f"Token {self.token}"
        elif self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            if method != "GET" and "csrftoken" in self.cookies:
                headers["X-CSRFToken"] = self.cookies["csrftoken"]
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            content = response.read()
            status = response.status
            for raw in response.headers.get_all("Set-Cookie") or ():
                self._keep(raw)
        except (OSError, http.client.HTTPException) as exc:
            status, content = 0, repr(exc).encode()
        finally:
            conn.close()
        expected = status in expect
        # What went wrong, for the report: a 500's page says nothing (the server's log
        # does, see ``server_log_report``); a refusal's body says why.
        detail = ""
        if not expected and status < 500:
            detail = " ".join(content.decode(errors="replace").split())
        self.recorder.add(Answer(self.who, method, path, status, expected, time.time(), detail))
        return status, content

    def json(self, method, path, body=None, expect=(200,)):
        status, content = self.call(method, path, json_body=body, expect=expect)
        if status not in expect:
            return None
        try:
            return json.loads(content)
        except ValueError:
            return None

    def _keep(self, raw: str) -> None:
        cookie = SimpleCookie()
        cookie.load(raw)
        for name, morsel in cookie.items():
            if morsel["max-age"] == "0" or not morsel.value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.value

    def login(self, username: str) -> bool:
        self.call("GET", "/accounts/login/")
        status, _ = self.call(
            "POST",
            "/accounts/login/",
            form={
                "username": username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": self.cookies.get("csrftoken", ""),
            },
            expect=(302,),
        )
        return status == 302 and "sessionid" in self.cookies


# --- The workload -----------------------------------------------------------------------------


class Workload:
    """Threads playing the center until ``stop()``: agents taking, starting and completing
    work through the API and through the pages, a supervisor watching the queue and the
    dashboard and feeding the queue through the API, a QA evaluator reviewing done items."""

    def __init__(self, base_url: str, world: World):
        self.base_url, self.world = base_url, world
        self.recorder = Recorder()
        self.claims: dict[int, set[int]] = defaultdict(set)  # item -> agents given it by "next"
        self.completed: Counter = Counter()  # agent -> items they completed (answers seen)
        self.evaluated: list[int] = []
        self._done: list[int] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.crashes: list[str] = []

    def start(self) -> Workload:
        plays = [(self._api_agent, a) for a in self.world.api_agents]
        plays += [(self._page_agent, a) for a in self.world.page_agents]
        plays += [(self._supervisor, self.world.supervisor), (self._qa, self.world.qa)]
        for play, user in plays:
            thread = threading.Thread(target=self._run, args=(play, user), daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=90)
        stuck = [t for t in self._threads if t.is_alive()]
        assert not stuck, f"{len(stuck)} client threads did not finish"

    def _run(self, play, user) -> None:
        try:
            play(user)
        except Exception as exc:  # noqa: BLE001 - reported by the test
            self.crashes.append(f"{user.username}: {exc!r}")
        finally:
            connection.close()  # the thread's own connection to the test database

    def _client(self, user, token=False) -> Client:
        key = self.world.tokens[user.pk] if token else None
        return Client(self.base_url, user.username, self.recorder, key)

    def _api_agent(self, agent) -> None:
        api = self._client(agent, token=True)
        base = "/api/v1/workitems"
        while not self._stop.is_set():
            body = api.json("POST", f"{base}/next/")
            if body is None or body["item"] is None:
                time.sleep(0.2)
                continue
            item = body["item"]
            with self._lock:
                self.claims[item["id"]].add(agent.pk)
            started = api.json("POST", f"{base}/{item['id']}/start/", {"version": item["version"]})
            if started is None:
                continue
            api.json("GET", f"{base}/{item['id']}/")
            done = api.json(
                "POST",
                f"{base}/{item['id']}/complete/",
                {"note": "Solved on the call.", "version": started["version"]},
            )
            if done is not None:
                with self._lock:
                    self.completed[agent.pk] += 1
                    self._done.append(item["id"])

    def _page_agent(self, agent) -> None:
        page = self._client(agent)
        if not page.login(agent.username):
            return
        while not self._stop.is_set():
            page.call("GET", "/work/")
            page.call("POST", "/work/next/", form={}, expect=(302,))
            held = (
                WorkItem.objects.filter(assignee=agent, status=Status.ASSIGNED)
                .values_list("pk", "version")
                .first()
            )
            if held is None:
                time.sleep(0.2)
                continue
            pk, version = held
            page.call("GET", f"/work/items/{pk}/")
            page.call("POST", f"/work/items/{pk}/start/", form={"version": version}, expect=(302,))
            version = WorkItem.objects.values_list("version", flat=True).get(pk=pk)
            page.call(
                "POST",
                f"/work/items/{pk}/complete/",
                form={"version": version, "note": "Done from the page."},
                expect=(302,),
            )
            page.call("GET", "/dashboard/me/")
            page.call("GET", "/quality/mine/")
            if WorkItem.objects.filter(pk=pk, status=Status.DONE).exists():
                with self._lock:
                    self._done.append(pk)

    def _supervisor(self, boss) -> None:
        page, api = self._client(boss), self._client(boss, token=True)
        if not page.login(boss.username):
            return
        n = 0
        while not self._stop.is_set():
            page.call("GET", "/", expect=(302,))  # to their home page
            for path in ("/work/queue/", "/dashboard/", "/work/presence/"):
                page.call("GET", path)
            with self._lock:
                known = list(self.claims)
            if known:
                page.call("GET", f"/work/items/{random.choice(known)}/")
            api.json("GET", "/api/v1/workitems/?status=new")
            for _ in range(3):  # keep the queue fed
                n += 1
                api.json(
                    "POST",
                    "/api/v1/workitems/",
                    {"work_type": self.world.work_type_id, "title": f"Fed call {n}"},
                    expect=(201,),
                )

    def _qa(self, qa) -> None:
        page, api = self._client(qa), self._client(qa, token=True)
        if not page.login(qa.username):
            return
        base = "/api/v1/quality/evaluations"
        while not self._stop.is_set():
            page.call("GET", "/quality/queue/")
            page.call("GET", "/quality/evaluations/")
            with self._lock:
                item_id = self._done.pop(0) if self._done else None
            if item_id is None:
                time.sleep(0.2)
                continue
            draft = api.json("POST", f"{base}/", {"item": item_id}, expect=(201,))
            if draft is None:
                continue
            page.call("GET", f"/quality/evaluations/{draft['id']}/edit/")
            saved = api.json(
                "PATCH",
                f"{base}/{draft['id']}/",
                {"answers": {"greeting": "yes"}, "version": draft["version"]},
            )
            if saved is None:
                continue
            submitted = api.json(
                "POST",
                f"{base}/{draft['id']}/submit/",
                {"answers": ANSWERS, "version": saved["version"]},
            )
            if submitted is not None:
                self.evaluated.append(draft["id"])
                page.call("GET", f"/quality/evaluations/{draft['id']}/")


# --- After the traffic: was any item held by two agents? --------------------------------------


def double_assignments(claims: dict[int, set[int]]) -> dict[str, list]:
    """Each kind of double assignment found (empty lists when there is none): from the
    answers the agents saw, and from the items and their events in the database."""
    events = WorkItemEvent.objects.filter(item__work_type__name="Serving calls")
    holders = dict(WorkItem.objects.values_list("pk", "assignee_id"))
    completions = events.filter(kind=EventKind.COMPLETED).values_list("item_id", "actor_id")
    return {
        "items given to two agents by next": [i for i, a in claims.items() if len(a) > 1],
        "items held by another than the agent next gave them to": [
            i for i, a in claims.items() if len(a) == 1 and holders.get(i) not in a
        ],
        "items claimed by two agents (events)": list(
            events.filter(kind=EventKind.ASSIGNED)
            .values("item_id")
            .annotate(n=Count("assignee_id", distinct=True))
            .filter(n__gt=1)
            .values_list("item_id", flat=True)
        ),
        "items completed twice": list(
            events.filter(kind=EventKind.COMPLETED)
            .values("item_id")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .values_list("item_id", flat=True)
        ),
        "items completed by someone not holding them": [
            item for item, actor in completions if holders.get(item) != actor
        ],
        # Taken and not started: "next" hands such an item back instead of a second one.
        "agents holding two unstarted items": list(
            WorkItem.objects.filter(status=Status.ASSIGNED)
            .values("assignee_id")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .values_list("assignee_id", flat=True)
        ),
    }


def check_traffic(workload: Workload, server, where: str) -> None:
    """Fail with a report when any answer was a server error (or no answer), any answer was
    not the one expected, or any item was held by two agents; then check that the traffic
    did what it says: every agent completed work, QA evaluated some of it."""
    problems = {k: v for k, v in double_assignments(workload.claims).items() if v}
    recorder = workload.recorder
    if recorder.server_errors() or recorder.unexpected() or workload.crashes or problems:
        pytest.fail(
            f"{where}:\n{recorder.summary()}\n{server_log_report(server)}"
            + (f"\nclient threads crashed: {workload.crashes}" if workload.crashes else "")
            + (f"\ndouble assignments: {problems}" if problems else ""),
            pytrace=False,
        )
    world = workload.world
    agents = [*world.api_agents, *world.page_agents]
    done_by = Counter(
        WorkItemEvent.objects.filter(kind=EventKind.COMPLETED, actor__in=agents).values_list(
            "actor_id", flat=True
        )
    )
    assert all(done_by[a.pk] >= 1 for a in agents), f"an agent completed nothing: {done_by}"
    assert all(workload.completed[a.pk] == done_by[a.pk] for a in world.api_agents)
    assert workload.evaluated, "QA evaluated nothing"


def server_log_report(server) -> str:
    counted = Counter(server.errors_logged()).most_common(10)
    if not counted:
        return "server errors logged: none"
    return "server errors logged:\n" + "\n".join(f"  {n} x {line}" for line, n in counted)
