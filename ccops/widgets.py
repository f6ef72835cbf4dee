"""Form widgets and choice fields tuned for long option lists.

Django renders every ``<option>`` of a select through its own template include, about
0.1–0.2 ms per option: a picker of a few hundred agents costs more than the rest of the page.
``FastSelect`` renders the same markup in Python.

``ModelChoiceField`` reads its options with ``QuerySet.iterator()``: a server-side cursor on
PostgreSQL (DECLARE, FETCH, CLOSE: three round trips) and a second query to validate the
submitted value. ``PlainModelChoiceIterator`` reads the options with one ordinary query, and
``ListModelChoiceField`` (for short tables whose every row is rendered anyway) validates the
value against those same rows.
"""

import html

from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe


def _attrs(attrs: dict) -> str:
    """Attributes as Django's ``attrs.html`` writes them: in order, ``True`` as a bare name,
    ``False`` left out."""
    return format_html_join(
        "",
        "{}",
        (
            (format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value),)
            for name, value in attrs.items()
            if value is not False
        ),
    )


def _escape(text) -> str:
    """``conditional_escape`` without its lazy-string wrapper (a few µs an option)."""
    if isinstance(text, Promise):
        text = str(text)
    if hasattr(text, "__html__"):
        return text.__html__()
    return html.escape(str(text))


class FastSelectMixin:
    def render(self, name, value, attrs=None, renderer=None):
        # What ChoiceWidget.get_context/optgroups and select_option.html do, without the
        # dict per option (Select options inherit no attributes: only "selected").
        attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            attrs["multiple"] = True
        values = self.format_value(value)
        multiple = self.allow_multiple_selected
        has_selected = False
        parts = [format_html('<select name="{}"{}>', name, _attrs(attrs))]
        for option_value, option_label in self.choices:
            if option_value is None:
                option_value = ""
            group = isinstance(option_label, (list, tuple))
            if group and option_value:
                parts.append(f'<optgroup label="{_escape(option_value)}">')
            for subvalue, sublabel in option_label if group else [(option_value, option_label)]:
                selected = (not has_selected or multiple) and str(subvalue) in values
                has_selected |= selected
                parts.append(
                    f'<option value="{_escape(subvalue)}"{" selected" if selected else ""}>'
                    f"{_escape(sublabel)}</option>"
                )
            if group and option_value:
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every part is escaped


class FastSelect(FastSelectMixin, forms.Select):
    pass


class FastSelectMultiple(FastSelectMixin, forms.SelectMultiple):
    pass


class PlainModelChoiceIterator(forms.models.ModelChoiceIterator):
    """The options from one ordinary query, kept in the field's queryset cache."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


class ListModelChoiceField(forms.ModelChoiceField):
    """A ``ModelChoiceField`` over a short table (teams, work types): one query, shared by the
    validation and the rendered options, and a ``FastSelect``."""

    iterator = PlainModelChoiceIterator
    widget = FastSelect

    def to_python(self, value):
        if value in self.empty_values:
            return None
        key = self.to_field_name or "pk"
        if isinstance(value, self.queryset.model):
            value = getattr(value, key)
        for obj in self.queryset:
            if str(getattr(obj, key)) == str(value):
                return obj
        raise ValidationError(
            self.error_messages["invalid_choice"],
            code="invalid_choice",
            params={"value": value},
        )
