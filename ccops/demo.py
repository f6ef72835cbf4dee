"""Demo contact center: teams and people. Other apps add their data in ``<app>/demo.py``.

Deterministic for a given ``--seed`` and day; re-running updates rows instead of adding.
"""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.utils import timezone

from .choices import Office, Role
from .models import Team, User

DEMO_PASSWORD = "demo-pass-2026"
ADMIN_PASSWORD = "admin-pass-2026"

FIRST = [
    "Ava",
    "Ben",
    "Chloe",
    "Dan",
    "Ella",
    "Finn",
    "Grace",
    "Hugo",
    "Isla",
    "Jack",
    "Kara",
    "Liam",
    "Maya",
    "Noah",
    "Olive",
    "Paul",
    "Quinn",
    "Rosa",
    "Sam",
    "Tara",
    "Uma",
    "Victor",
    "Wren",
    "Xavi",
    "Yara",
    "Zane",
    "Amir",
    "Bea",
    "Cleo",
    "Dev",
    "Esme",
    "Femi",
    "Gus",
    "Hana",
]
LAST = [
    "Adams",
    "Brown",
    "Clarke",
    "Diaz",
    "Evans",
    "Fischer",
    "Garcia",
    "Hughes",
    "Ito",
    "Jones",
    "Khan",
    "Lopez",
    "Murphy",
    "Nguyen",
    "Okafor",
    "Patel",
    "Quist",
    "Rossi",
    "Silva",
    "Turner",
]

# What `make run` prints when the demo is already loaded (the default --agents layout).
DEMO_LOGINS = [
    ("sup1", DEMO_PASSWORD, "Supervisor, Calls North (front office)"),
    ("sup3", DEMO_PASSWORD, "Supervisor, Claims Casework (back office)"),
    ("fo001", DEMO_PASSWORD, "Agent, front office"),
    ("bo003", DEMO_PASSWORD, "Agent, back office"),
    ("planner", DEMO_PASSWORD, "Workforce Planner"),
    ("qa", DEMO_PASSWORD, "QA"),
    ("hr", DEMO_PASSWORD, "HR"),
    ("admin", ADMIN_PASSWORD, "Admin (also Django admin)"),
]

TEAMS = [
    ("Calls North", Office.FRONT, "Leeds"),
    ("Chat Crew", Office.FRONT, "Leeds"),
    ("Claims Casework", Office.BACK, "Cardiff"),
    ("Billing Casework", Office.BACK, "Cardiff"),
]


@dataclass
class DemoContext:
    """What each app's ``seed`` receives: the people made so far and a seeded RNG."""

    rng: random.Random
    today: date
    teams: list = field(default_factory=list)
    agents: list = field(default_factory=list)
    supervisors: list = field(default_factory=list)
    staff: dict = field(default_factory=dict)  # role -> user
    logins: list = field(default_factory=list)  # (username, password, role)
    stdout: object = None
    hashes: dict = field(default_factory=dict)  # password -> its hash, made once

    def password_hash(self, password: str) -> str:
        """One hash per demo password: hashing is slow on purpose (about 0.2 s of CPU
        each), and the demo's ~60 users share two passwords."""
        if password not in self.hashes:
            self.hashes[password] = make_password(password)
        return self.hashes[password]

    def log(self, msg: str) -> None:
        if self.stdout is not None:
            self.stdout.write(msg)


def _user(username, *, role, ctx, team=None, hire_days=400, password=DEMO_PASSWORD, **extra):
    first = ctx.rng.choice(FIRST)
    last = ctx.rng.choice(LAST)
    user, created = User.objects.update_or_create(
        username=username,
        defaults={
            "first_name": first,
            "last_name": last,
            "display_name": f"{first} {last}",
            "email": f"{username}@demo.ccops.test",
            "team": team,
            "hire_date": ctx.today - timedelta(days=hire_days),
            "is_active": True,
            **extra,
        },
    )
    hashed = ctx.password_hash(password)
    if user.password != hashed:
        user.password = hashed
        user.save(update_fields=["password"])
    user.groups.set([Group.objects.get(name=role)])
    return user


def seed_people(ctx: DemoContext, agents: int = 48) -> None:
    teams = []
    for name, office, site in TEAMS:
        team, _ = Team.objects.update_or_create(
            name=name, defaults={"office": office, "site": site}
        )
        teams.append(team)
    ctx.teams = teams
    for i, team in enumerate(teams, start=1):
        sup = _user(f"sup{i}", role=Role.SUPERVISOR, ctx=ctx, team=team, hire_days=1500)
        team.supervisor = sup
        team.save(update_fields=["supervisor"])
        ctx.supervisors.append(sup)
        ctx.logins.append((sup.username, DEMO_PASSWORD, f"Supervisor, {team.name}"))
    for n in range(agents):
        team = teams[n % len(teams)]
        # A spread of tenure: some new hires (< 90 days), most experienced.
        hire_days = ctx.rng.choice([20, 45, 80, 150, 300, 500, 800, 1200, 2000])
        prefix = "fo" if team.office == Office.FRONT else "bo"
        agent = _user(
            f"{prefix}{n + 1:03d}", role=Role.AGENT, ctx=ctx, team=team, hire_days=hire_days
        )
        ctx.agents.append(agent)
    ctx.logins.append((ctx.agents[0].username, DEMO_PASSWORD, "Agent, front office"))
    back = next(a for a in ctx.agents if a.team.office == Office.BACK)
    ctx.logins.append((back.username, DEMO_PASSWORD, "Agent, back office"))
    for username, role in (("planner", Role.PLANNER), ("qa", Role.QA), ("hr", Role.HR)):
        ctx.staff[role] = _user(username, role=role, ctx=ctx, hire_days=900)
        ctx.logins.append((username, DEMO_PASSWORD, role))
    ctx.staff[Role.ADMIN] = _user(
        "admin",
        role=Role.ADMIN,
        ctx=ctx,
        hire_days=2500,
        password=ADMIN_PASSWORD,
        is_staff=True,
        is_superuser=True,
    )
    ctx.logins.append(("admin", ADMIN_PASSWORD, "Admin (also Django admin)"))


def new_context(seed: int, stdout=None) -> DemoContext:
    return DemoContext(rng=random.Random(seed), today=timezone.localdate(), stdout=stdout)
