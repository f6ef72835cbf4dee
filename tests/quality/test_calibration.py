"""Tests of quality.calibration on a hand-made session with hand-computed figures."""

import math
from decimal import Decimal

import pytest

from quality.calibration import Evaluation, agreement
from quality.scoring import CriterionSpec, score

# Scorecard: c1 yes/no worth 50 (N/A allowed), c2 scale 0..2 worth 50.
CARD = [
    CriterionSpec("c1", "S", Decimal(50), na_allowed=True),
    CriterionSpec("c2", "S", Decimal(50), kind="scale", scale_max=2),
]

# Answers (c1, c2) and the resulting totals:
#        i1           i2            i3
#  A   yes, 2 = 100  yes, 2 = 100  na, 1 = 50
#  B   yes, 1 =  75  na,  2 = 100  na, 1 = 50
#  R   no,  1 =  25  yes, 0 =  50  (not scored)
ANSWERS = {
    "A": {"i1": ("yes", 2), "i2": ("yes", 2), "i3": ("na", 1)},
    "B": {"i1": ("yes", 1), "i2": ("na", 2), "i3": ("na", 1)},
    "R": {"i1": ("no", 1), "i2": ("yes", 0)},
}
SESSION = {
    evaluator: {item: score(CARD, {"c1": c1, "c2": c2}, 80) for item, (c1, c2) in items.items()}
    for evaluator, items in ANSWERS.items()
}
approx = pytest.approx


@pytest.fixture(scope="module")
def report():
    return agreement(SESSION, reference="R")


def test_inputs_score_as_the_table_says():
    totals = {ev: {i: float(r.score) for i, r in items.items()} for ev, items in SESSION.items()}
    assert totals == {
        "A": {"i1": 100, "i2": 100, "i3": 50},
        "B": {"i1": 75, "i2": 100, "i3": 50},
        "R": {"i1": 25, "i2": 50},
    }


def test_item_figures(report):
    # i1: (100 + 75 + 25) / 3; deviations 100/3, 25/3, -125/3 -> variance 26250/27.
    # i2: (100 + 100 + 50) / 3; deviations 50/3, 50/3, -100/3 -> variance 15000/27.
    # i3: 50 and 50 -> 0.
    assert report.item_mean_score == approx({"i1": 200 / 3, "i2": 250 / 3, "i3": 50})
    assert report.item_score_std == approx(
        {"i1": math.sqrt(26250 / 27), "i2": math.sqrt(15000 / 27), "i3": 0.0}
    )
    assert report.item_score_std["i1"] == approx(31.1805, abs=1e-4)
    # (b) mean of the per-item std devs: (31.1805 + 23.5702 + 0) / 3.
    assert report.mean_item_score_std == approx(18.2502, abs=1e-4)


# fmt: off
EVALUATOR_CASES = [
    # evaluator, items, mean total, deviation from group per item, its mean, mean of |.|,
    #     deviation from reference per item, its mean
    # A: 250/3; from group 100/3, 50/3, 0 (mean 150/9); from R: 75, 50.
    ("A", 3, 250 / 3, {"i1": 100 / 3, "i2": 50 / 3, "i3": 0}, 150 / 9, 150 / 9,
        {"i1": 75, "i2": 50}, 62.5),
    # B: 225/3 = 75; from group 25/3, 50/3, 0 (mean 75/9); from R: 50, 50.
    ("B", 3, 75, {"i1": 25 / 3, "i2": 50 / 3, "i3": 0}, 75 / 9, 75 / 9,
        {"i1": 50, "i2": 50}, 50),
    # R: 37.5; from group -125/3, -100/3 (mean -37.5); from itself 0.
    ("R", 2, 37.5, {"i1": -125 / 3, "i2": -100 / 3}, -37.5, 37.5,
        {"i1": 0, "i2": 0}, 0),
]
# fmt: on


@pytest.mark.parametrize(
    "evaluator, n, mean, group, mean_group, abs_group, ref, mean_ref", EVALUATOR_CASES
)
def test_evaluator_figures(report, evaluator, n, mean, group, mean_group, abs_group, ref, mean_ref):
    stats = report.evaluators[evaluator]
    assert stats.n_items == n
    assert stats.mean_score == approx(mean)
    assert stats.deviation_from_group == approx(group)
    assert stats.mean_deviation_from_group == approx(mean_group)
    assert stats.mean_abs_deviation_from_group == approx(abs_group)
    assert stats.deviation_from_reference == approx(ref)
    assert stats.mean_deviation_from_reference == approx(mean_ref)
    assert stats.mean_abs_deviation_from_reference == approx(abs(mean_ref))


SD_50_50_0 = math.sqrt(15000 / 27)  # points 50, 50, 0 -> 23.5702
SD_50_25_25 = math.sqrt(3750 / 27)  # points 50, 25, 25 -> 11.7851


@pytest.mark.parametrize(
    "cell, distinct, modal, count, share, unanimous, points_std",
    [
        (("i1", "c1"), 2, "yes", 2, 2 / 3, False, SD_50_50_0),
        (("i1", "c2"), 2, 1, 2, 2 / 3, False, SD_50_25_25),
        # B's N/A is an answer (a disagreement) but has no points: std of 50, 50.
        (("i2", "c1"), 2, "yes", 2, 2 / 3, False, 0.0),
        (("i2", "c2"), 2, 2, 2, 2 / 3, False, SD_50_50_0),
        # Both N/A: unanimous, and no points to spread.
        (("i3", "c1"), 1, "na", 2, 1.0, True, None),
        (("i3", "c2"), 1, 1, 2, 1.0, True, 0.0),
    ],
)
def test_cells(report, cell, distinct, modal, count, share, unanimous, points_std):
    stats = report.cells[cell]
    assert stats.distinct_answers == distinct
    assert stats.modal_answer == modal
    assert stats.modal_count == count
    assert stats.modal_share == approx(share)
    assert stats.unanimous is unanimous
    assert stats.points_std == (None if points_std is None else approx(points_std))


def test_cell_answers_and_order(report):
    assert list(report.cells) == [
        ("i1", "c1"),
        ("i1", "c2"),
        ("i2", "c1"),
        ("i2", "c2"),
        ("i3", "c1"),
        ("i3", "c2"),
    ]
    assert report.cells[("i2", "c1")].answers == {"A": "yes", "B": "na", "R": "yes"}


@pytest.mark.parametrize(
    "criterion, points_std, reference_agreement",
    [
        # c1: std of cells 23.5702 and 0 (i3 has none) -> 11.7851.
        #     vs R: i1 R=no (A yes x, B yes x), i2 R=yes (A yes ok, B na x) -> 1/4.
        ("c1", SD_50_50_0 / 2, 0.25),
        # c2: (11.7851 + 23.5702 + 0) / 3 = 11.7851.
        #     vs R: i1 R=1 (A 2 x, B 1 ok), i2 R=0 (A 2 x, B 2 x) -> 1/4.
        ("c2", (SD_50_25_25 + SD_50_50_0) / 3, 0.25),
    ],
)
def test_criteria(report, criterion, points_std, reference_agreement):
    stats = report.criteria[criterion]
    assert stats.n_items == 3
    assert stats.mean_distinct_answers == approx(5 / 3)  # (2 + 2 + 1) / 3
    assert stats.modal_agreement == approx(0.75)  # (2 + 2 + 2) / (3 + 3 + 2)
    assert stats.unanimous_share == approx(1 / 3)
    assert stats.points_std == approx(points_std)
    assert stats.reference_agreement == approx(reference_agreement)


def test_overall_unanimity(report):
    # (a) 2 of the 6 (item, criterion) pairs are unanimous: (i3, c1) and (i3, c2).
    assert report.unanimous_share == approx(1 / 3)
    assert report.reference == "R"


def test_without_reference():
    report = agreement(SESSION)
    assert report.reference is None
    assert report.evaluators["A"].deviation_from_reference == {}
    assert report.evaluators["A"].mean_deviation_from_reference is None
    assert report.evaluators["A"].mean_abs_deviation_from_reference is None
    assert report.criteria["c1"].reference_agreement is None
    # Everything else does not depend on the reference.
    assert report.unanimous_share == approx(1 / 3)
    assert report.evaluators["A"].mean_deviation_from_group == approx(150 / 9)


def test_unknown_reference_is_rejected():
    with pytest.raises(ValueError, match="'Z'"):
        agreement(SESSION, reference="Z")


def test_plain_evaluations_normalised_answers_and_ties():
    scores = {
        "x": {1: Evaluation(80, {"q": "YES ", "r": "no"}, {"q": 1, "r": 0})},
        "y": {1: Evaluation(Decimal("60"), {"q": "yes", "r": "yes", "s": None}, {"q": 1, "r": 1})},
    }
    report = agreement(scores)
    assert report.cells[(1, "q")].unanimous is True  # "YES " == "yes" after normalising
    # Tie: "no" (x) and "yes" (y) once each; the answer given first (evaluator order) is modal.
    assert report.cells[(1, "r")].modal_answer == "no"
    assert report.cells[(1, "r")].modal_share == 0.5
    assert report.cells[(1, "r")].points_std == approx(0.5)  # points 0 and 1
    assert (1, "s") not in report.cells  # nobody answered s
    assert report.item_score_std == {1: approx(10.0)}  # 80 and 60
    assert report.unanimous_share == 0.5


def test_single_evaluator_has_nothing_to_compare():
    report = agreement({"A": SESSION["A"]}, reference="A")
    assert report.cells == {}
    assert report.criteria == {}
    assert report.unanimous_share is None
    assert report.item_score_std == {"i1": None, "i2": None, "i3": None}
    assert report.mean_item_score_std is None
    assert report.evaluators["A"].mean_deviation_from_group == 0


def test_empty_session():
    report = agreement({})
    assert report.evaluators == {}
    assert report.unanimous_share is None
    assert report.mean_item_score_std is None
