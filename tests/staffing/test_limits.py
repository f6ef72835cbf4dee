"""One rule for the calculators' and plans' numbers (``staffing.limits``): the pages, the
API, the calculators and the plan services refuse the same values with the same message.

Issue 26 found a 500 behind the API's backlog plan for a denormal handle time; the pages had
their own, looser checks ((0, 1], up to a day of patience...), so a denormal maximum
occupancy was a 500 on the calculator page and a denormal patience took five minutes.
"""

from __future__ import annotations

import pytest

from staffing import calculators, limits, services
from staffing.api import serializers
from staffing.backlog import BacklogInputError
from staffing.erlang import ErlangInputError
from staffing.errors import InvalidInput
from staffing.forms import BacklogForm, ErlangForm, PlanForm
from staffing.models import StaffingPlan

from .conftest import MONDAY

pytestmark = pytest.mark.django_db

ERLANG_PAGE = "/staffing/erlang/"
BACKLOG_PAGE = "/staffing/backlog/"
PLANS_PAGE = "/staffing/plans/"

ERLANG = {
    "volume": 100,
    "aht_seconds": 300,
    "interval_minutes": 30,
    "target_service_level": 0.8,
    "target_answer_seconds": 20,
    "shrinkage": 0.3,
}
BACKLOG = {
    "start": MONDAY.isoformat(),
    "arrivals": "120, 140, 110, 95, 130",
    "aht_minutes": 25,
    "sla_working_days": 2,
    "productive_hours": 7.5,
    "shrinkage": 0.15,
    "starting_backlog": 260,
    "starting_past_due": 40,
    "weekdays_only": "on",
}
PLAN = {
    "name": "Week 10",
    "start": MONDAY.isoformat(),
    "end": MONDAY.isoformat(),
    "target_service_level": 0.8,
    "shrinkage": 0.3,
    "productive_hours": 7.5,
}

# Each form field and the limits it takes (the serializers' twin fields take the same).
ERLANG_LIMITS = {
    "volume": limits.VOLUME,
    "aht_seconds": limits.AHT_SECONDS,
    "interval_minutes": limits.INTERVAL_MINUTES,
    "target_service_level": limits.SERVICE_LEVEL,
    "target_answer_seconds": limits.ANSWER_SECONDS,
    "shrinkage": limits.SHRINKAGE,
    "max_occupancy": limits.MAX_OCCUPANCY,
    "patience_seconds": limits.PATIENCE_SECONDS,
}
BACKLOG_LIMITS = {
    "aht_minutes": limits.AHT_MINUTES,
    "sla_working_days": limits.SLA_WORKING_DAYS,
    "productive_hours": limits.PRODUCTIVE_HOURS,
    "shrinkage": limits.SHRINKAGE,
    "starting_backlog": limits.ITEMS,
    "starting_past_due": limits.ITEMS,
}
PLAN_LIMITS = {
    "target_service_level": limits.SERVICE_LEVEL,
    "shrinkage": limits.SHRINKAGE,
    "productive_hours": limits.PRODUCTIVE_HOURS,
}


def outside(bounds: limits.Limits) -> list[str]:
    """Values a browser can send that lie outside ``bounds``: the edges of a double (the
    fuzz's denormals and huge values), zero, and just beyond each end."""
    values = {"-5e-324", "-1e308", "1e308", str(10**30), str(int(bounds.hi) + 1)}
    values.add(repr(bounds.hi * (1 + 1e-9) + 1e-9))
    if bounds.lo > 0:
        values |= {"0", "5e-324", "1e-300", repr(bounds.lo * (1 - 1e-9))}
    else:
        values.add("-1e-9")
    return sorted(values)


def cases(fields: dict[str, limits.Limits]) -> list[tuple[str, str]]:
    return [(field, value) for field, bounds in fields.items() for value in outside(bounds)]


def whole(value: str) -> bool:
    return value.lstrip("-").isdigit()


def test_forms_and_serializers_take_their_ranges_from_the_limits():
    pairs = [
        (ErlangForm, serializers.ErlangRequestSerializer, ERLANG_LIMITS),
        (BacklogForm, serializers.BacklogPlanRequestSerializer, BACKLOG_LIMITS),
        (PlanForm, serializers.StaffingPlanSerializer, PLAN_LIMITS),
    ]
    for form, serializer, fields in pairs:
        api_fields = serializer().fields
        for name, bounds in fields.items():
            field = form.base_fields[name]
            assert (field.min_value, field.max_value) == bounds, (form, name)
            api = api_fields.get(name)
            if hasattr(api, "min_value"):  # the API's starting backlog is a list of buckets
                assert (api.min_value, api.max_value) == bounds, (serializer, name)


@pytest.mark.parametrize(("field", "value"), cases(ERLANG_LIMITS))
def test_erlang_page_refuses_out_of_range_numbers_on_the_field(client, planner, field, value):
    client.force_login(planner)
    response = client.get(ERLANG_PAGE, ERLANG | {field: value})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    if field == "interval_minutes" and not whole(value):
        assert errors[field] == ["Enter a whole number."]
    else:
        assert errors[field] == [ERLANG_LIMITS[field].message]
        assert ERLANG_LIMITS[field].message in response.content.decode()
    assert response.context["result"] is None


@pytest.mark.parametrize("patience", ["", "1", "3600"], ids=["erlang_c", "a_1s", "a_1h"])
@pytest.mark.parametrize(
    ("field", "value"),
    [(field, str(edge)) for field, bounds in ERLANG_LIMITS.items() for edge in bounds],
)
def test_erlang_page_answers_at_each_limit(client, planner, field, value, patience):
    # At a limit the page either answers or says on a field why it cannot (an unreachable
    # target): never a 500, never minutes.
    client.force_login(planner)
    response = client.get(ERLANG_PAGE, ERLANG | {"patience_seconds": patience, field: value})
    assert response.status_code == 200
    result, errors = response.context["result"], response.context["form"].errors
    assert (result is None) == bool(errors), errors
    if result is not None:
        assert result["agents"] >= 0
    else:
        assert set(errors) <= set(ERLANG_LIMITS) and "__all__" not in errors


@pytest.mark.parametrize(("field", "value"), cases(BACKLOG_LIMITS))
def test_backlog_page_refuses_out_of_range_numbers_on_the_field(client, planner, field, value):
    client.force_login(planner)
    response = client.get(BACKLOG_PAGE, BACKLOG | {field: value})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    integer = field in ("sla_working_days", "starting_backlog", "starting_past_due")
    if integer and not whole(value):
        assert errors[field] == ["Enter a whole number."]
    else:
        assert errors[field] == [BACKLOG_LIMITS[field].message]
    assert response.context["result"] is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("arrivals", "5, -1, 3", "Each number must be from 0 to 10,000,000."),
        ("arrivals", f"5, {10**30}", "Each number must be from 0 to 10,000,000."),
        ("arrivals", "5, 1e308", "Use numbers separated by commas, e.g. 120, 95, 130."),
        ("arrivals", ", ".join(["1"] * 367), "Give 1 to 366 whole numbers."),
        ("agents", "5, -5e-324, 5, 5, 5", "Each number must be from 0 to 1,000,000."),
        ("agents", "1e308", "Each number must be from 0 to 1,000,000."),
        ("agents", "nan", "Each number must be from 0 to 1,000,000."),
        ("agents", "inf", "Each number must be from 0 to 1,000,000."),
        ("agents", "5, 6", "Give one number, or one per day of arrivals."),
        ("start", "9999-12-31", "Ensure this value is less than or equal to 2999-12-31."),
    ],
)
def test_backlog_page_refuses_bad_lists_and_dates_on_the_field(
    client, planner, field, value, message
):
    client.force_login(planner)
    response = client.get(BACKLOG_PAGE, BACKLOG | {field: value})
    assert response.status_code == 200
    assert response.context["form"].errors == {field: [message]}
    assert response.context["result"] is None


def test_backlog_page_answers_at_its_limits(client, planner):
    client.force_login(planner)
    edges = {
        "start": limits.LATEST_START.isoformat(),
        "arrivals": ", ".join([str(limits.ITEMS.hi)] * limits.HORIZON_DAYS),
        "aht_minutes": repr(limits.AHT_MINUTES.lo),
        "productive_hours": repr(limits.PRODUCTIVE_HOURS.lo),
        "shrinkage": repr(limits.SHRINKAGE.hi),
        "starting_backlog": limits.ITEMS.hi,
        "starting_past_due": limits.ITEMS.hi,
        "agents": "5e-324",
    }
    response = client.get(BACKLOG_PAGE, BACKLOG | edges)
    assert response.status_code == 200
    assert not response.context["form"].errors
    result = response.context["result"]
    assert len(result["days"]) == limits.HORIZON_DAYS
    assert result["days"][0]["completions"] == 0  # a denormal of an agent works nothing


@pytest.mark.parametrize(("field", "value"), cases(PLAN_LIMITS))
def test_plan_form_refuses_out_of_range_numbers_on_the_field(
    client, planner, front_type, field, value
):
    client.force_login(planner)
    response = client.post(PLANS_PAGE, PLAN | {field: value})
    assert response.status_code == 400
    assert response.context["form"].errors == {field: [PLAN_LIMITS[field].message]}
    assert not StaffingPlan.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("target_service_level", 5e-324),
        ("target_service_level", float("nan")),
        ("shrinkage", 1 - 1e-16),
        ("shrinkage", -0.0 - 5e-324),
        ("productive_hours", 5e-324),
        ("productive_hours", float("inf")),
        ("productive_hours", True),
    ],
)
def test_plan_services_hold_the_same_limits(planner, front_type, field, value):
    # An import, a task or the shell calls the service with no form or serializer before it.
    values = {k: v for k, v in PLAN.items() if k in PLAN_LIMITS} | {field: value}
    with pytest.raises(InvalidInput) as exc:
        services.plan_create(name="X", start=MONDAY, end=MONDAY, by=planner, **values)
    assert exc.value.errors == {field: [PLAN_LIMITS[field].message]}
    plan = services.plan_create(name="Y", start=MONDAY, end=MONDAY, by=planner)
    with pytest.raises(InvalidInput) as exc:
        services.plan_update(plan=plan, by=planner, **{field: value})
    assert list(exc.value.errors) == [field]


@pytest.mark.parametrize(("field", "value"), cases(ERLANG_LIMITS))
def test_erlang_calculator_holds_the_same_limits(field, value):
    number = float(value) if not whole(value) else int(value)
    with pytest.raises(ErlangInputError) as exc:
        calculators.erlang_calculate(**(ERLANG | {field: number}))
    assert exc.value.field == field


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("aht_minutes", 5e-324),
        ("sla_working_days", 61),
        ("productive_hours", 0.5),
        ("shrinkage", 0.95),
        ("arrivals", [10**30]),
        ("agents", [-5e-324]),
        ("holidays", [MONDAY] * 367),
        ("starting_backlog", [{"count": 10**8, "due_date": MONDAY}]),
    ],
)
def test_backlog_calculator_holds_the_same_limits(field, value):
    plan = {
        "start": MONDAY,
        "arrivals": [10],
        "aht_minutes": 25,
        "sla_working_days": 2,
        "productive_hours": 7.5,
        "shrinkage": 0.1,
    }
    with pytest.raises(BacklogInputError) as exc:
        calculators.backlog_calculate(**(plan | {field: value}))
    assert exc.value.field == field
