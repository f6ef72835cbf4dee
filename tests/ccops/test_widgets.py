import re

from django import forms

from ccops.widgets import FastSelect, FastSelectMultiple

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
