"""Scorecards: create and edit with versioning, and the criterion specs scoring needs.

Versioning rule: editing the current version of a scorecard that is in use (it has
evaluations or a calibration session) creates the next version and makes it current; the old
version, its criteria and every evaluation on it stay as they were. An unused version is edited
in place. Only the current version can be edited.
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction

from ccops.audit import audited
from ccops.choices import Office
from workitems.models import WorkType

from .. import scoring
from ..choices import CriterionKind
from ..errors import Conflict, InvalidInput
from ..models import CalibrationSession, Criterion, Evaluation, Scorecard, ScorecardSection
from .common import as_decimal, require_qa, text

KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,49}$")
CRITERION_FIELDS = (
    "section",
    "key",
    "text",
    "guidance",
    "weight",
    "kind",
    "scale_max",
    "critical",
    "na_allowed",
    "required",
)


@dataclass(frozen=True)
class CriterionInput:
    section: str
    key: str
    text: str
    guidance: str
    weight: Decimal
    kind: str
    scale_max: int
    critical: bool
    na_allowed: bool
    required: bool


def criterion_specs(criteria: Iterable[Criterion]) -> list[scoring.CriterionSpec]:
    """Specs for :mod:`quality.scoring` from criteria rows (with ``section`` loaded)."""
    return [
        scoring.CriterionSpec(
            key=c.key,
            section=c.section.title,
            weight=c.weight,
            kind=c.kind,
            scale_max=c.scale_max,
            critical=c.critical,
            na_allowed=c.na_allowed,
            required=c.required,
        )
        for c in criteria
    ]


def scorecard_criteria(scorecard: Scorecard) -> list[Criterion]:
    """The criteria of a version in scorecard order, sections joined (one query)."""
    return list(scorecard.criteria.select_related("section").order_by("position"))


def scorecard_specs(scorecard: Scorecard) -> list[scoring.CriterionSpec]:
    return criterion_specs(scorecard_criteria(scorecard))


def _bool(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _clean_criteria(rows: Sequence[Mapping]) -> list[CriterionInput]:
    errors: dict[str, list[str]] = {}
    cleaned: list[CriterionInput] = []
    if not isinstance(rows, Sequence) or isinstance(rows, str) or not rows:
        raise InvalidInput("A scorecard needs at least one criterion.", field="criteria")
    seen: set[str] = set()
    for i, row in enumerate(rows):
        where = f"criteria.{i}"
        if not isinstance(row, Mapping):
            errors.setdefault(where, []).append("Each criterion must be an object.")
            continue
        unknown = set(row) - set(CRITERION_FIELDS)
        if unknown:
            errors.setdefault(where, []).append(f"Unknown fields: {', '.join(sorted(unknown))}.")
        key = str(row.get("key") or "").strip()
        if not KEY_RE.match(key):
            errors.setdefault(f"{where}.key", []).append(
                "Key: lower-case letters, digits, - and _, at most 50 characters."
            )
        elif key in seen:
            errors.setdefault(f"{where}.key", []).append(f"Duplicate criterion key '{key}'.")
        seen.add(key)
        label = str(row.get("text") or "").strip()
        if not label or len(label) > 300:
            errors.setdefault(f"{where}.text", []).append("Text is required (300 characters).")
        section = str(row.get("section") or "").strip()
        if not section or len(section) > 100:
            errors.setdefault(f"{where}.section", []).append("Section is required.")
        try:
            weight = as_decimal(row.get("weight"), field="weight", low=Decimal(0))
            if weight >= Decimal("100000") or weight != weight.quantize(Decimal("0.01")):
                raise InvalidInput("Weight: up to 99999.99, two decimals.", field="weight")
        except InvalidInput as exc:
            errors.setdefault(f"{where}.weight", []).append(exc.message)
            weight = Decimal(0)
        kind = str(row.get("kind") or CriterionKind.YES_NO)
        if kind not in CriterionKind.values:
            errors.setdefault(f"{where}.kind", []).append("Kind must be yes_no or scale.")
        scale_max = 0
        if kind == CriterionKind.SCALE:
            try:
                scale_max = int(row.get("scale_max") or 0)
            except (TypeError, ValueError):
                scale_max = 0
            if not 1 <= scale_max <= 100:
                errors.setdefault(f"{where}.scale_max", []).append(
                    "A scale criterion needs a maximum from 1 to 100."
                )
        cleaned.append(
            CriterionInput(
                section=section,
                key=key,
                text=label,
                guidance=str(row.get("guidance") or "").strip(),
                weight=weight,
                kind=kind,
                scale_max=scale_max,
                critical=_bool(row.get("critical", False)),
                na_allowed=_bool(row.get("na_allowed", False)),
                required=_bool(row.get("required", True)),
            )
        )
    if not errors and sum(c.weight for c in cleaned) <= 0:
        errors["criteria"] = ["The criteria must weigh more than 0 in total."]
    if errors:
        first = next(iter(errors.values()))[0]
        raise InvalidInput(first, errors=errors)
    return cleaned


def _definition(scorecard: Scorecard) -> tuple:
    criteria = tuple(
        (
            c.section.title,
            c.key,
            c.text,
            c.guidance,
            c.weight,
            c.kind,
            c.scale_max,
            c.critical,
            c.na_allowed,
            c.required,
        )
        for c in scorecard_criteria(scorecard)
    )
    work_types = frozenset(scorecard.work_types.values_list("id", flat=True))
    return (
        scorecard.name,
        scorecard.description,
        scorecard.office,
        scorecard.pass_mark,
        work_types,
        criteria,
    )


def _write_criteria(scorecard: Scorecard, criteria: list[CriterionInput]) -> None:
    sections: dict[str, ScorecardSection] = {}
    for c in criteria:
        if c.section not in sections:
            sections[c.section] = ScorecardSection(
                scorecard=scorecard, title=c.section, position=len(sections)
            )
    ScorecardSection.objects.bulk_create(sections.values())
    Criterion.objects.bulk_create(
        Criterion(
            scorecard=scorecard,
            section=sections[c.section],
            key=c.key,
            text=c.text,
            guidance=c.guidance,
            weight=c.weight,
            kind=c.kind,
            scale_max=c.scale_max,
            critical=c.critical,
            na_allowed=c.na_allowed,
            required=c.required,
            position=i,
        )
        for i, c in enumerate(criteria)
    )


def scorecard_in_use(scorecard: Scorecard) -> bool:
    return (
        Evaluation.objects.filter(scorecard=scorecard).exists()
        or CalibrationSession.objects.filter(scorecard=scorecard).exists()
    )


def scorecard_save(
    *,
    by,
    scorecard: Scorecard | None = None,
    name: str,
    pass_mark,
    criteria: Sequence[Mapping],
    office: str = "",
    description: str = "",
    work_types: Iterable[WorkType] = (),
) -> Scorecard:
    """Create a scorecard (``scorecard=None``) or edit one; see the module docstring.

    Returns the version now current (the same row, or a new version when the edited one was
    in use; unchanged content returns the row untouched).
    """
    require_qa(by, "edit scorecards")
    name = text(name, field="name", required=True, max_length=100)
    description = text(description, field="description")
    mark = as_decimal(pass_mark, field="pass_mark", low=Decimal(0), high=Decimal(100))
    if mark != mark.quantize(Decimal("0.01")):
        raise InvalidInput("Pass mark: at most two decimals.", field="pass_mark")
    office = office or ""
    if office and office not in Office.values:
        raise InvalidInput(f"Unknown office {office!r}.", field="office")
    work_types = list(work_types)
    wrong = [wt.name for wt in work_types if office and wt.office != office]
    if wrong:
        raise InvalidInput(f"Work types of another office: {', '.join(wrong)}.", field="work_types")
    cleaned = _clean_criteria(criteria)

    fields = {"name": name, "description": description, "office": office, "pass_mark": mark}
    try:
        with transaction.atomic():
            if scorecard is None:
                target = audited(Scorecard(created_by=by, **fields), by)
                target.save()
            else:
                locked = Scorecard.objects.select_for_update().get(pk=scorecard.pk)
                if not locked.is_current:
                    raise Conflict(
                        f"{locked} is not the current version; edit the current one.",
                        field="scorecard",
                    )
                new_definition = (
                    name,
                    description,
                    office,
                    mark,
                    frozenset(wt.pk for wt in work_types),
                    tuple(
                        (
                            c.section,
                            c.key,
                            c.text,
                            c.guidance,
                            c.weight,
                            c.kind,
                            c.scale_max,
                            c.critical,
                            c.na_allowed,
                            c.required,
                        )
                        for c in cleaned
                    ),
                )
                old_definition = _definition(locked)
                if old_definition == new_definition:
                    return locked
                if scorecard_in_use(locked):
                    # Conditional UPDATE: a concurrent editor that got here first wins.
                    if not Scorecard.objects.filter(pk=locked.pk, is_current=True).update(
                        is_current=False
                    ):
                        raise Conflict("The scorecard was changed by someone else; reload.")
                    # The conditional UPDATE bypasses simple-history: record it by hand.
                    locked.is_current = False
                    Scorecard.history.bulk_history_create([locked], update=True, default_user=by)
                    target = audited(
                        Scorecard(
                            family=locked.family,
                            version=locked.version + 1,
                            created_by=by,
                            **fields,
                        ),
                        by,
                    )
                    target.save()
                else:
                    for attr, value in fields.items():
                        setattr(locked, attr, value)
                    # Criteria and work types are rewritten below, outside the history
                    # table: say so on this version's history record.
                    moved = [
                        what
                        for what, i in (("work types", 4), ("criteria", 5))
                        if old_definition[i] != new_definition[i]
                    ]
                    if moved:
                        locked._change_reason = f"Changed {' and '.join(moved)}"
                    audited(locked, by).save(update_fields=list(fields))
                    locked.sections.all().delete()  # cascades to its criteria
                    target = locked
            _write_criteria(target, cleaned)
            target.work_types.set(work_types)
    except IntegrityError:
        raise Conflict("The scorecard was changed by someone else; reload and try again.")
    return target


def scorecard_for_work_types(
    work_type_ids: Iterable[int], *, offices: Mapping[int, str] | None = None
) -> dict[int, Scorecard]:
    """The current scorecard applying to each work type: two queries for any number (the
    cards, their work types), and one more unless the caller gives the ``offices`` by id.

    A scorecard naming the work type beats one for the whole office, which beats one for
    both offices; ties go to the lowest id.
    """
    ids = set(work_type_ids)
    if not ids:
        return {}
    if offices is None:
        offices = dict(WorkType.objects.filter(pk__in=ids).values_list("id", "office"))
    else:
        offices = {wt_id: offices[wt_id] for wt_id in ids}
    cards = Scorecard.objects.filter(is_current=True).prefetch_related("work_types").order_by("id")
    return _choose(((card, {wt.pk for wt in card.work_types.all()}) for card in cards), offices)


def scorecard_for_work_type(work_type: WorkType) -> Scorecard | None:
    """``scorecard_for_work_types`` for one work type (two queries: the work type's office
    is known)."""
    return scorecard_for_work_types([work_type.pk], offices={work_type.pk: work_type.office}).get(
        work_type.pk
    )


def _choose(
    cards: Iterable[tuple[Scorecard, set[int]]], offices: Mapping[int, str]
) -> dict[int, Scorecard]:
    """The rule of ``scorecard_for_work_types``, over current ``cards`` in id order, each
    with the ids of the work types it names (empty: it names none)."""
    chosen: dict[int, tuple[int, Scorecard]] = {}
    for card, named in cards:
        for wt_id, office in offices.items():
            if card.office and card.office != office:
                continue
            if named and wt_id not in named:
                continue
            rank = 0 if named else (1 if card.office else 2)
            if wt_id not in chosen or rank < chosen[wt_id][0]:
                chosen[wt_id] = (rank, card)
    return {wt_id: card for wt_id, (_, card) in chosen.items()}


def scorecard_applies(scorecard: Scorecard, work_type: WorkType) -> bool:
    if scorecard.office and scorecard.office != work_type.office:
        return False
    named = set(scorecard.work_types.values_list("id", flat=True))
    return not named or work_type.pk in named
