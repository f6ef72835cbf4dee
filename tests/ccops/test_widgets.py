import re

import pytest
from django import forms
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from ccops.models import Team
from ccops.widgets import FastSelect, FastSelectMultiple, ListModelChoiceField

CHOICES = [
    ("", "---------"),
    (1, "Ann <admin> & co"),
    (2, 'Bob "the builder"'),
    ("Group", [(3, "Cid"), (4, "Dee")]),
]


def normalise(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


def test_fast_select_renders_what_djangos_select_renders():
    attrs = {"class": "form-select", "id": "id_agent", "required": True, "aria-label": "Agent"}
    for value in (None, "", 2, 4):
        fast = FastSelect(choices=CHOICES).render("agent", value, attrs=attrs)
        django = forms.Select(choices=CHOICES).render("agent", value, attrs=attrs)
        assert normalise(fast) == normalise(django)
    html = FastSelect(choices=CHOICES).render("agent", 2, attrs=attrs)
    assert "Ann &lt;admin&gt; &amp; co" in html  # labels are escaped
    assert '<option value="2" selected>' in html
    assert '<optgroup label="Group"><option value="3">Cid</option>' in normalise(html)


def test_fast_select_multiple_marks_every_selected_value():
    fast = FastSelectMultiple(choices=CHOICES).render("agents", [1, 3], attrs={"id": "id_a"})
    django = forms.SelectMultiple(choices=CHOICES).render("agents", [1, 3], attrs={"id": "id_a"})
    assert normalise(fast) == normalise(django)
    assert fast.count(" selected>") == 2


def test_fast_select_labels_safe_lazy_and_none_values():
    choices = [(None, "None"), (1, mark_safe("<b>kept</b>")), (2, gettext_lazy("Yes"))]
    for value in (None, 1, "2", [2]):
        fast = FastSelect(choices=choices).render("a", value, attrs={"data-x": True})
        django = forms.Select(choices=choices).render("a", value, attrs={"data-x": True})
        assert normalise(fast) == normalise(django)


class TeamForm(forms.Form):
    team = ListModelChoiceField(queryset=Team.objects.order_by("name"), required=False)


@pytest.mark.django_db
def test_list_model_choice_field_validates_and_renders_from_one_query(
    front_team, back_team, django_assert_num_queries
):
    with django_assert_num_queries(1):  # the teams, for both the value and the options
        form = TeamForm({"team": str(back_team.pk)})
        assert form.is_valid() and form.cleaned_data["team"] == back_team
        html = str(form["team"])
    assert f'<option value="{back_team.pk}" selected>Back A</option>' in html
    assert f'<option value="{front_team.pk}">Front A</option>' in html
    bad = TeamForm({"team": "999"})
    assert not bad.is_valid() and "Select a valid choice" in bad.errors["team"][0]
    assert TeamForm({"team": ""}).is_valid()
