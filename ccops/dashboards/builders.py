"""Build the dashboard tables from values already read (no queries here)."""

from __future__ import annotations

from django.urls import reverse

from ..choices import Office, TenureBand
from ..kpi_models import OFFICE_SCOPE_IDS
from ..kpis import goals as goal_rules
from ..kpis import registry
from .tables import Cell, Table, fmt

ATTAINMENT_CAP = 150.0  # one KPI far above target must not hide the others in the index
# Attainment shown above this reads ">200 %": a lower-is-better KPI near zero (a reopen rate
# of 0.1 % against a 3 % goal) would otherwise show thousands of per cent.
ATTAINMENT_DISPLAY_CAP = 200.0
NO_DATA = "no data"
OFFICE_LABELS = dict(Office.choices)
TENURE_LABELS = dict(TenureBand.choices)
NOT_APPLICABLE = Cell("n/a")


def kpi_header(kpi) -> str:
    return f"{kpi.name} ({kpi.unit})"


def with_unit(kpi, number: float | None) -> str:
    """A KPI figure in display units with its unit ("85.0 %", "6.2 min"); "no data" when
    there is none (never 0)."""
    if number is None:
        return NO_DATA
    return fmt(number, kpi.decimals, f" {kpi.unit}" if kpi.unit else "")


def value_cell(kpi, value: float | None, att=None, *, unit: bool = False) -> Cell:
    css = ""
    if att is not None and att.met is not None:
        css = "text-success" if att.met else "text-danger"
    shown = kpi.display(value)
    if shown is None:
        return Cell(NO_DATA, css="text-muted")
    return Cell(with_unit(kpi, shown) if unit else fmt(shown, kpi.decimals), css=css)


def attainment_text(att) -> str:
    """Attainment for reading: "-" without a goal, "no data" without a value, capped at
    ``ATTAINMENT_DISPLAY_CAP`` (">200 %"; also a lower-is-better KPI at exactly 0)."""
    if att is None:
        return "-"
    if att.value is None:
        return NO_DATA
    if att.percent is None:  # lower is better and the value is 0, or a 0 target
        return f">{ATTAINMENT_DISPLAY_CAP:.0f} %" if att.met else "-"
    if att.percent > ATTAINMENT_DISPLAY_CAP:
        return f">{ATTAINMENT_DISPLAY_CAP:.0f} %"
    return fmt(att.percent, 0, " %")


def attainment_cell(att) -> Cell:
    text = attainment_text(att)
    if att is None or att.met is None:
        return Cell(text, css="text-muted" if text == NO_DATA else "")
    return Cell(text, css="text-success" if att.met else "text-danger")


def goal_index(attainments) -> float | None:
    """Mean attainment (each capped at 150 %) over the KPIs with a goal and a value: one
    normalised number that ranks teams of both offices on the same scale."""
    percents = [
        ATTAINMENT_CAP if a.percent is None else min(a.percent, ATTAINMENT_CAP)
        for a in attainments
        if a and a.value is not None and (a.percent is not None or a.met)
    ]
    return sum(percents) / len(percents) if percents else None


def live_backlog_table(rows: list[dict], title: str, note: str = "") -> Table:
    table = Table(
        "live_backlog",
        title,
        ["Work type", "Office", "Open", "Unassigned", "Past due", "Oldest (h)"],
        numeric_from=2,
        empty="No open work.",
        note=note,
    )
    for r in rows:
        table.add(
            r["work_type"],
            OFFICE_LABELS.get(r["office"], r["office"]),
            r["open"],
            r["unassigned"],
            Cell(str(r["past_due"]), css="text-danger fw-semibold" if r["past_due"] else ""),
            fmt(r["oldest_age_seconds"] / 3600),
        )
    return table


def goals_table(office_values: dict, overall_values: dict, goals, period) -> Table:
    """Shared goals, front and back office side by side, over the period."""
    columns = ["KPI"]
    for office in (Office.FRONT, Office.BACK):
        label = OFFICE_LABELS[office]
        columns += [f"{label}", f"{label} target", f"{label} attainment"]
    columns.append("Overall")
    table = Table("goals", "Shared goals: front and back office", columns)
    for kpi in registry.all_kpis():
        cells = [Cell(kpi_header(kpi))]
        for office in (Office.FRONT, Office.BACK):
            if office not in kpi.offices:
                cells += [Cell("n/a"), Cell("-"), Cell("-")]
                continue
            value = office_values.get((kpi.key, OFFICE_SCOPE_IDS[office]))
            target = goal_rules.target_for(goals, kpi.key, office=office, day=period.end)
            att = goal_rules.attainment(kpi.key, value, target)
            cells += [
                value_cell(kpi, value, att, unit=True),
                Cell(with_unit(kpi, target.value) if target else "-"),
                attainment_cell(att),
            ]
        cells.append(value_cell(kpi, overall_values.get((kpi.key, 0)), unit=True))
        table.rows.append(cells)
    return table


def team_rows(teams, team_values: dict, goals, period, query: str) -> list[dict]:
    kpis = registry.all_kpis()
    # A team is held to its office's goals: resolve them once per office, not per team.
    targets = {
        office: {
            kpi.key: goal_rules.target_for(goals, kpi.key, office=office, day=period.end)
            for kpi in kpis
            if office in kpi.offices
        }
        for office in {team.office for team in teams}
    }
    rows = []
    for team in teams:
        team_id = team.pk
        atts = {
            key: goal_rules.attainment(key, team_values.get((key, team_id)), target)
            for key, target in targets[team.office].items()
        }
        rows.append({"team": team, "attainments": atts, "index": goal_index(atts.values())})
    rows.sort(
        key=lambda r: (
            r["index"] is None,
            -(r["index"] or 0),
            -(team_values.get(("productivity", r["team"].pk)) or 0),
            r["team"].name,
        )
    )
    return rows


def team_comparison_table(teams, team_values, goals, period, query: str, highlight=None):
    """Teams of both offices ranked on the goal index (normalised against each office's
    goals), with every KPI over the period; names drill down to the team."""
    kpis = registry.all_kpis()
    table = Table(
        "teams",
        "Team comparison (ranked across offices)",
        ["Rank", "Team", "Office", "Goal index (%)"] + [kpi_header(k) for k in kpis],
        numeric_from=3,
        note="Goal index: mean attainment of the team's office goals (each capped at 150 %).",
    )
    suffix = f"?{query}" if query else ""
    # One reverse per table, not two per team: the team's id goes where 0 is.
    team_url = reverse("dashboard:team", args=[0]).rsplit("0/", 1)[0]
    office_urls = {o: reverse("dashboard:office", args=[o]) + suffix for o in OFFICE_LABELS}
    for rank, row in enumerate(team_rows(teams, team_values, goals, period, query), start=1):
        team = row["team"]
        name_css = "fw-bold" if highlight and team.pk in highlight else ""
        office_url = office_urls.get(team.office) or (
            reverse("dashboard:office", args=[team.office]) + suffix
        )
        cells = [
            Cell(str(rank)),
            Cell(team.name, url=f"{team_url}{team.pk}/{suffix}", css=name_css),
            Cell(OFFICE_LABELS.get(team.office, team.office), url=office_url),
            Cell(fmt(row["index"], 0)),
        ]
        attainments = row["attainments"]
        for kpi in kpis:
            if team.office not in kpi.offices:
                cells.append(NOT_APPLICABLE)
            else:
                value = team_values.get((kpi.key, team.pk))
                cells.append(value_cell(kpi, value, attainments[kpi.key]))
        table.rows.append(cells)
    return table


def queues_table(queues: list[dict], values: dict, goals, period, office: str) -> Table:
    """Per queue (work type) its queue KPIs on the period's last day (yesterday by default)
    and over the period, each day counted in the queue's time zone; coloured against the
    office's goals. ``queues``: ``{"id", "name", "team"}`` in display order."""
    kpis = [k for k in registry.all_kpis() if any(k.key in per_kpi for per_kpi in values.values())]
    columns = ["Queue", "Owning team"]
    for kpi in kpis:
        columns += [
            f"{kpi.name}, {period.end:%d %b} ({kpi.unit})",
            f"{kpi.name}, {period.days} days ({kpi.unit})",
        ]
    table = Table(
        "queues",
        "Queues: measured from contact events",
        columns,
        numeric_from=2,
        empty="No contacts measured in this period.",
        note="Each queue's day is counted in its calendar's time zone (else the project's). "
        "Coloured against the office's goals.",
    )
    targets = {
        k.key: goal_rules.target_for(goals, k.key, office=office, day=period.end) for k in kpis
    }
    for queue in queues:
        per_kpi = values.get(queue["id"])
        if not per_kpi:
            continue
        cells = [Cell(queue["name"]), Cell(queue["team"] or "-")]
        for kpi in kpis:
            for value in per_kpi.get(kpi.key, (None, None)):
                att = goal_rules.attainment(kpi.key, value, targets[kpi.key])
                cells.append(value_cell(kpi, value, att))
        table.rows.append(cells)
    return table


def agents_table(agents, agent_values: dict, goals, period, query: str, office: str) -> Table:
    """The agents of a team with their own (role and tenure adjusted) targets."""
    kpis = [k for k in registry.all_kpis() if k.level == registry.AGENT and office in k.offices]
    table = Table(
        "agents",
        "Agents",
        ["Agent", "Tenure", "Goal index (%)"] + [kpi_header(k) for k in kpis],
        numeric_from=2,
        note="Coloured against each person's own target (adjusted by role and tenure band).",
    )
    suffix = f"?{query}" if query else ""
    rows = []
    for agent in agents:
        atts, cells = [], []
        band = agent.tenure_band(period.end)
        for kpi in kpis:
            value = agent_values.get((kpi.key, agent.pk))
            target = goal_rules.target_for(
                goals, kpi.key, office=office, day=period.end, role=agent.primary_role,
                tenure_band=band,
            )  # fmt: skip
            att = goal_rules.attainment(kpi.key, value, target)
            atts.append(att)
            cells.append(value_cell(kpi, value, att))
        index = goal_index(atts)
        head = [
            Cell(str(agent), url=reverse("dashboard:agent", args=[agent.pk]) + suffix),
            Cell(TENURE_LABELS.get(band, band)),
            Cell(fmt(index, 0)),
        ]
        rows.append((index is None, -(index or 0), str(agent), head + cells))
    table.rows = [r[-1] for r in sorted(rows, key=lambda r: r[:3])]
    return table


def scorecard_table(user, values: dict, team_values: dict, office_values: dict, goals, period):
    office = user.team.office if user.team_id else ""
    table = Table(
        "scorecard",
        "Scorecard",
        ["KPI", "Mine", "My target", "Attainment", "My team", "My office"],
        note="Targets are adjusted to your role and tenure band.",
    )
    band = user.tenure_band(period.end)
    for kpi in registry.all_kpis():
        if kpi.level != registry.AGENT or (office and office not in kpi.offices):
            continue
        value = values.get((kpi.key, user.pk))
        target = goal_rules.target_for(
            goals, kpi.key, office=office, day=period.end, role=user.primary_role,
            tenure_band=band,
        )  # fmt: skip
        att = goal_rules.attainment(kpi.key, value, target)
        office_id = OFFICE_SCOPE_IDS.get(office)
        table.rows.append(
            [
                Cell(kpi_header(kpi)),
                value_cell(kpi, value, att),
                Cell(fmt(target.value, kpi.decimals) if target else "-"),
                attainment_cell(att),
                value_cell(kpi, team_values.get((kpi.key, user.team_id))),
                value_cell(kpi, office_values.get((kpi.key, office_id))),
            ]
        )
    return table
