"""Table-driven tests of quality.scoring; every expected number is worked out by hand."""

import ast
import importlib
from decimal import Decimal

import pytest

from quality.scoring import (
    NON_FIELD_ERRORS,
    CriterionSpec,
    ScoringError,
    SectionScore,
    max_points,
    score,
    validate,
)

D = Decimal

# The reference scorecard (105 points when nothing is N/A):
#   Opening:     greeting 10 yes/no; verify 20 yes/no CRITICAL, N/A not allowed
#   Soft skills: empathy 30 scale 0..5, N/A allowed
#   Outcome:     resolution 40 yes/no, N/A allowed; upsell 5 yes/no, optional, N/A allowed
CARD = [
    CriterionSpec("greeting", "Opening", D("10")),
    CriterionSpec("verify", "Opening", D("20"), critical=True),
    CriterionSpec("empathy", "Soft skills", D("30"), kind="scale", scale_max=5, na_allowed=True),
    CriterionSpec("resolution", "Outcome", D("40"), na_allowed=True),
    CriterionSpec("upsell", "Outcome", D("5"), na_allowed=True, required=False),
]
PERFECT = {"greeting": "yes", "verify": "yes", "empathy": 5, "resolution": "yes", "upsell": "yes"}


def answers(**changes):
    """PERFECT with some answers changed; a value of ... removes the key."""
    result = dict(PERFECT)
    for key, value in changes.items():
        if value is ...:
            result.pop(key)
        else:
            result[key] = value
    return result


# fmt: off
SCORE_CASES = [
    # id, answers,
    #     pass mark, score, earned, possible, passed, critical failed, missed criteria
    ("perfect", answers(),
        80, "100.00", "105", "105", True, False, []),
    # 10 + 20 + 30 + 40 = 100 possible without upsell; greeting missed: 90 / 100.
    ("optional-unanswered", answers(greeting="no", upsell=...),
        80, "90.00", "90", "100", True, False, ["greeting"]),
    # Unanswered optional (None) counts like N/A: same as above.
    ("optional-none", answers(greeting="no", upsell=None),
        80, "90.00", "90", "100", True, False, ["greeting"]),
    # empathy 3/5 * 30 = 18; resolution and upsell N/A: (10 + 20 + 18) / 60 = 80 %, = pass mark.
    ("na-and-scale", answers(empathy=3, resolution="na", upsell="na"),
        80, "80.00", "48", "60", True, False, ["empathy"]),
    # Same, pass mark one hundredth higher: fails.
    ("below-mark", answers(empathy=3, resolution="na", upsell="na"),
        D("80.01"), "80.00", "48", "60", False, False, ["empathy"]),
    # Critical "no": score 0 whatever else; raw points stay 10 + 0 + 30 + 40 + 5 = 85 / 105.
    ("critical-no", answers(verify="no"),
        0, "0.00", "85", "105", False, True, ["verify"]),
    # Scale 0 on a non-critical criterion is only a miss: 75 / 105 = 71.428... -> 71.43.
    ("scale-zero", answers(empathy=0),
        70, "71.43", "75", "105", True, False, ["empathy"]),
    # resolution and upsell "no": 60 / 105 = 57.142... -> 57.14.
    ("two-misses", answers(resolution="no", upsell="no"),
        55, "57.14", "60", "105", True, False, ["resolution", "upsell"]),
    # Strings are normalised: " YES ", "N/A", scale posted as "4": 4/5 * 30 = 24;
    # (10 + 20 + 24) / 60 = 90 %.
    ("normalised", answers(greeting=" YES ", empathy="4", resolution="N/A", upsell=""),
        90, "90.00", "54", "60", True, False, ["empathy"]),
]
# fmt: on


@pytest.mark.parametrize(
    "answers_, mark, expected, earned, possible, passed, critical, failed",
    [case[1:] for case in SCORE_CASES],
    ids=[case[0] for case in SCORE_CASES],
)
def test_score_table(answers_, mark, expected, earned, possible, passed, critical, failed):
    result = score(CARD, answers_, mark)
    assert result.score == D(expected)
    assert str(result.score) == expected  # always two decimals
    assert result.points_earned == D(earned)
    assert result.points_possible == D(possible)
    assert result.passed is passed
    assert result.critical_failed is critical
    assert result.failed_criteria == failed


def test_sections_and_points():
    result = score(CARD, answers(greeting="no", empathy=3, resolution="na", upsell=...), 0)
    # Opening 20 / 30, Soft skills 18 / 30, Outcome nothing applicable.
    assert result.sections == {
        "Opening": SectionScore(D("20"), D("30"), D("66.67")),
        "Soft skills": SectionScore(D("18"), D("30"), D("60.00")),
        "Outcome": SectionScore(D("0"), D("0"), None),
    }
    assert list(result.sections) == ["Opening", "Soft skills", "Outcome"]  # scorecard order
    earned, possible, percent = result.sections["Opening"]  # a tuple too
    assert (earned, possible, percent) == (D("20"), D("30"), D("66.67"))
    assert result.points == {
        "greeting": D("0"),
        "verify": D("20"),
        "empathy": D("18"),
        "resolution": None,
        "upsell": None,
    }
    assert result.answers == {
        "greeting": "no",
        "verify": "yes",
        "empathy": 3,
        "resolution": "na",
        "upsell": None,
    }
    # (0 + 20 + 18) / 60 = 63.33...
    assert result.score == D("63.33")


def test_critical_failure_keeps_raw_section_subtotals():
    result = score(CARD, answers(verify="no"), 0)
    assert result.score == D("0.00")
    assert result.critical_failures == ["verify"]
    assert result.sections["Opening"] == SectionScore(D("10"), D("30"), D("33.33"))
    assert result.sections["Outcome"] == SectionScore(D("45"), D("45"), D("100.00"))


def spec(key, weight, **kw):
    return CriterionSpec(key, kw.pop("section", "S"), weight, **kw)


# fmt: off
ROUNDING_CASES = [
    # id, criteria, answers, expected score
    ("two-thirds", [spec("a", 1), spec("b", 1), spec("c", 1)],
        {"a": "yes", "b": "yes", "c": "no"}, "66.67"),
    ("one-third", [spec("a", 1), spec("b", 1), spec("c", 1)],
        {"a": "yes", "b": "no", "c": "no"}, "33.33"),
    # 13333 / 20000 = 0.66665 exactly -> 66.665 -> half up 66.67 (half-even would give 66.66).
    ("half-up", [spec("a", D("13333")), spec("b", D("6667"))],
        {"a": "yes", "b": "no"}, "66.67"),
    # 1 / 8 = 12.5 %: nothing to round, still two decimals.
    ("exact", [spec("a", 1), spec("b", 7)],
        {"a": "yes", "b": "no"}, "12.50"),
    # Float weights are read through str(): 0.1 / (0.1 + 0.2) = 1/3 exactly -> 33.33.
    ("float-weights", [spec("a", 0.1), spec("b", 0.2)],
        {"a": "yes", "b": "no"}, "33.33"),
    # Scale 1 of 3 on weight 1, plus yes on weight 1: (1/3 + 1) / 2 = 2/3 -> 66.67.
    ("scale-third", [spec("a", 1, kind="scale", scale_max=3), spec("b", 1)],
        {"a": 1, "b": "yes"}, "66.67"),
    # 1 / 6 * 100 = 16.666... -> 16.67.
    ("one-sixth", [spec("a", 1), spec("b", 5)],
        {"a": "yes", "b": "no"}, "16.67"),
    # Weight 0 criteria are applicable but change nothing.
    ("zero-weight", [spec("a", 0), spec("b", 4)],
        {"a": "no", "b": "yes"}, "100.00"),
]
# fmt: on


@pytest.mark.parametrize(
    "criteria, answers_, expected",
    [case[1:] for case in ROUNDING_CASES],
    ids=[case[0] for case in ROUNDING_CASES],
)
def test_rounding(criteria, answers_, expected):
    assert str(score(criteria, answers_, 50).score) == expected


def test_scale_points_are_reported_to_four_decimals():
    result = score([spec("a", 1, kind="scale", scale_max=3), spec("b", 1)], {"a": 1, "b": "yes"}, 0)
    assert result.points_earned == D("1.3333")
    assert result.points["a"] == D("0.3333")
    assert result.failed_criteria == ["a"]


CRITICAL_SCALE = [
    spec("tone", 10, kind="scale", scale_max=4, critical=True),
    spec("close", 10),
]


@pytest.mark.parametrize(
    "tone, expected, critical, failed",
    [
        (0, "0.00", True, ["tone"]),  # scale 0 on a critical criterion: critical failure
        (1, "62.50", False, ["tone"]),  # (2.5 + 10) / 20; missed, not a critical failure
        (4, "100.00", False, []),
    ],
)
def test_critical_scale(tone, expected, critical, failed):
    result = score(CRITICAL_SCALE, {"tone": tone, "close": "yes"}, 50)
    assert str(result.score) == expected
    assert result.critical_failed is critical
    assert result.passed is (not critical)
    assert result.failed_criteria == failed


# fmt: off
VALIDATION_CASES = [
    # id, answers, expected errors
    ("valid", answers(), {}),
    ("valid-optional-missing", answers(upsell=...), {}),
    ("required-missing", answers(greeting=...),
        {"greeting": ["Criterion 'greeting' is required but was not answered."]}),
    ("required-none", answers(verify=None),
        {"verify": ["Criterion 'verify' is required but was not answered."]}),
    ("required-blank", answers(verify="  "),
        {"verify": ["Criterion 'verify' is required but was not answered."]}),
    ("bad-yes-no", answers(greeting="maybe"),
        {"greeting": ["Criterion 'greeting' expects yes, no or na; got 'maybe'."]}),
    ("int-on-yes-no", answers(greeting=1),
        {"greeting": ["Criterion 'greeting' expects yes, no or na; got 1."]}),
    ("na-not-allowed", answers(verify="na"),
        {"verify": ["Criterion 'verify' does not allow N/A."]}),
    ("scale-too-high", answers(empathy=6),
        {"empathy": ["Criterion 'empathy' expects a whole number from 0 to 5; got 6."]}),
    ("scale-negative", answers(empathy=-1),
        {"empathy": ["Criterion 'empathy' expects a whole number from 0 to 5; got -1."]}),
    ("scale-text", answers(empathy="good"),
        {"empathy": ["Criterion 'empathy' expects a whole number from 0 to 5; got 'good'."]}),
    ("scale-yes", answers(empathy="yes"),
        {"empathy": ["Criterion 'empathy' expects a whole number from 0 to 5; got 'yes'."]}),
    ("scale-float", answers(empathy=2.5),
        {"empathy": ["Criterion 'empathy' got an answer of unsupported type float."]}),
    ("scale-bool", answers(empathy=True),
        {"empathy": ["Criterion 'empathy' got True; answer yes, no, na or a number."]}),
    ("unknown-key", answers(bogus="yes"),
        {"bogus": ["Unknown criterion 'bogus'."]}),
    ("several", answers(greeting=..., verify="na", extra=1), {
        "greeting": ["Criterion 'greeting' is required but was not answered."],
        "verify": ["Criterion 'verify' does not allow N/A."],
        "extra": ["Unknown criterion 'extra'."],
    }),
]
# fmt: on


@pytest.mark.parametrize(
    "answers_, expected",
    [case[1:] for case in VALIDATION_CASES],
    ids=[case[0] for case in VALIDATION_CASES],
)
def test_validate(answers_, expected):
    assert validate(CARD, answers_) == expected
    if expected:
        with pytest.raises(ScoringError) as info:
            score(CARD, answers_, 80)
        assert info.value.errors == expected
        for key in expected:
            assert key in str(info.value)  # the message names the criterion
    else:
        score(CARD, answers_, 80)


ALL_NA_CARD = [spec("a", 1, na_allowed=True), spec("b", 2, na_allowed=True, required=False)]


@pytest.mark.parametrize(
    "criteria, answers_",
    [
        (ALL_NA_CARD, {"a": "na", "b": "na"}),
        (ALL_NA_CARD, {"a": "na"}),  # optional unanswered counts as N/A
        ([spec("a", 0), spec("b", 3, na_allowed=True)], {"a": "yes", "b": "na"}),  # 0 possible
        ([], {}),
    ],
    ids=["all-na", "na-and-unanswered", "zero-points-possible", "empty-card"],
)
def test_nothing_applicable_is_an_error(criteria, answers_):
    errors = validate(criteria, answers_)
    assert list(errors) == [NON_FIELD_ERRORS]
    assert errors[NON_FIELD_ERRORS][0].startswith("No applicable criteria")
    with pytest.raises(ScoringError, match="No applicable criteria"):
        score(criteria, answers_, 80)


def test_nothing_applicable_not_reported_over_other_errors():
    assert validate(ALL_NA_CARD, {"a": "maybe", "b": "na"}) == {
        "a": ["Criterion 'a' expects yes, no or na; got 'maybe'."]
    }


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"key": "", "section": "S", "weight": 1}, "non-empty"),
        ({"key": "a", "section": "S", "weight": -1}, "must not be negative"),
        ({"key": "a", "section": "S", "weight": "heavy"}, "must be a number"),
        ({"key": "a", "section": "S", "weight": float("nan")}, "must be finite"),
        ({"key": "a", "section": "S", "weight": 1, "kind": "stars"}, "kind must be"),
        ({"key": "a", "section": "S", "weight": 1, "kind": "scale"}, "scale_max >= 1"),
        (
            {"key": "a", "section": "S", "weight": 1, "kind": "scale", "scale_max": True},
            "scale_max",
        ),
    ],
)
def test_bad_criterion_spec(kwargs, message):
    with pytest.raises(ValueError, match=message):
        CriterionSpec(**kwargs)


def test_weight_is_stored_as_decimal():
    assert CriterionSpec("a", "S", 0.1).weight == D("0.1")
    assert CriterionSpec("a", "S", 3).weight == D("3")
    assert max_points(CARD) == D("105")


def test_duplicate_keys_are_a_configuration_error():
    with pytest.raises(ValueError, match="duplicate criterion key 'a'"):
        validate([spec("a", 1), spec("a", 2)], {"a": "yes"})


@pytest.mark.parametrize("mark", [-1, D("100.01"), "x"])
def test_bad_pass_mark(mark):
    with pytest.raises(ValueError):
        score(CARD, answers(), mark)


@pytest.mark.parametrize("mark, passed", [(100, True), (0, True), (D("99.99"), True)])
def test_pass_mark_bounds(mark, passed):
    assert score(CARD, answers(), mark).passed is passed


@pytest.mark.parametrize("module", ["scoring", "calibration", "sampling"])
def test_quality_modules_are_pure(module):
    # These modules must stay importable and testable without Django (no ORM, no settings).
    source = importlib.import_module(f"quality.{module}").__file__
    with open(source, encoding="utf-8") as handle:
        tree = ast.parse(handle.read())
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not {name for name in imported if name.split(".")[0] in {"django", "rest_framework"}}
