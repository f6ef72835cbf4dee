"""The backlog plan keeps the chosen work type and the planner's other choices after
"Project" (the form's GET parameters come back as they were sent)."""

import pytest

pytestmark = pytest.mark.django_db


def test_project_keeps_the_work_type_and_the_choices(client, planner, back_type):
    client.force_login(planner)
    loaded = client.get(f"/staffing/backlog/?work_type={back_type.pk}")
    page = loaded.content.decode()
    assert f'<input type="hidden" name="work_type" value="{back_type.pk}">' in page
    # The planner changes the shrinkage and the arrivals, then projects.
    params = {
        "work_type": back_type.pk,
        "start": "2026-03-02",
        "arrivals": "20, 10, 10",
        "aht_minutes": "30",
        "sla_working_days": "2",
        "productive_hours": "6",
        "shrinkage": "0.3",
        "starting_backlog": "5",
        "starting_past_due": "0",
    }
    response = client.get("/staffing/backlog/", params)
    form = response.context["form"]
    assert response.context["chosen"] == back_type
    assert form.cleaned_data["shrinkage"] == pytest.approx(0.3)
    assert form.cleaned_data["productive_hours"] == pytest.approx(6)
    assert form.cleaned_data["arrivals"] == [20, 10, 10]
    assert form.cleaned_data["weekdays_only"] is False  # unticked stays unticked
    html = response.content.decode()
    assert f'<option value="{back_type.pk}" selected>' in html
    assert 'name="shrinkage" id="id_shrinkage" value="0.3"' in html
    assert response.context["result"] is not None
