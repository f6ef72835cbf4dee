"""Known answers for :mod:`quality.reliability`: Krippendorff's published examples, Shrout &
Fleiss's ICC table, and hand-worked values."""

import math

import pytest

from quality import reliability as r

NA = "na"
# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", section C: four
# observers, twelve units, values 1..5, "." missing. Published: nominal .743, ordinal .815.
_ROWS = {
    "A": "1 2 3 3 2 1 4 1 2 . . .",
    "B": "1 2 3 3 2 2 4 1 2 5 . 3",
    "C": ". 3 3 3 2 3 4 2 2 5 1 .",
    "D": "1 2 3 3 2 4 4 1 2 5 1 .",
}


def canonical(missing=None):
    units = {}
    for coder, row in _ROWS.items():
        for unit, value in enumerate(row.split()):
            units.setdefault(unit, {})[coder] = missing if value == "." else value
    return units


def test_alpha_nominal_matches_krippendorffs_published_example():
    result = r.criterion_alpha("c", canonical(), level=r.NOMINAL)
    assert round(result.alpha, 3) == 0.743
    # Unit 12 has one value only (no pair) and drops out: 41 values, 40 count.
    assert (result.n_items, result.n_answers) == (11, 40)
    assert result.band.label == "tentative"


def test_alpha_ordinal_matches_krippendorffs_published_example():
    # Integers as a scale criterion stores them; "na" on a scale is missing, like ".".
    units = {
        u: {c: (v if v == NA else int(v)) for c, v in row.items()}
        for u, row in canonical(missing=NA).items()
    }
    result = r.criterion_alpha("c", units, level=r.ORDINAL)
    assert round(result.alpha, 3) == 0.815
    assert result.band.label == "reliable"


def test_alpha_binary_hand_worked_krippendorff_example():
    # Krippendorff (2011) section A: two observers, ten units, alpha = .095.
    a, b = "0100000010", "1110010000"
    units = {i: {"a": x, "b": y} for i, (x, y) in enumerate(zip(a, b, strict=True))}
    assert r.criterion_alpha("c", units, level=r.NOMINAL).alpha == pytest.approx(0.0952, abs=1e-4)


def test_high_raw_agreement_can_be_chance_alpha_below_zero():
    """18 of 20 calls yes/yes, two split: 90% raw agreement, yet alpha = 1 - (n-1) o_yn /
    (n_yes n_no) = 1 - 39 * 2 / (38 * 2) = -1/38: no better than chance."""
    units = {i: {"a": "yes", "b": "yes"} for i in range(18)}
    units[18] = {"a": "yes", "b": "no"}
    units[19] = {"a": "no", "b": "yes"}
    result = r.criterion_alpha("greeting", units, level=r.NOMINAL)
    assert result.alpha == pytest.approx(-1 / 38)
    assert result.band.label == "not reliable"


def test_na_is_a_category_on_yes_no_and_missing_on_scales():
    units = {1: {"a": "yes", "b": "na"}, 2: {"a": "no", "b": "no"}, 3: {"a": "yes", "b": "yes"}}
    nominal = r.criterion_alpha("c", units, level=r.NOMINAL)
    assert nominal.n_answers == 6 and nominal.alpha < 1
    scale = {1: {"a": 3, "b": "na"}, 2: {"a": 1, "b": 1}, 3: {"a": "4", "b": 4}, 4: {"a": None}}
    ordinal = r.criterion_alpha("c", scale, level=r.ORDINAL)
    assert (ordinal.n_items, ordinal.alpha) == (2, 1.0)


def test_alpha_is_undefined_without_pairs_or_without_variation():
    alone = r.criterion_alpha("c", {1: {"a": "yes"}, 2: {"b": "no"}}, level=r.NOMINAL)
    assert (alone.alpha, alone.n_items, alone.note) == (None, 0, "no item has two answers")
    same = r.criterion_alpha("c", {1: {"a": "yes", "b": "yes"}}, level=r.NOMINAL)
    assert (same.alpha, same.note, same.band) == (None, "every answer was the same", None)
    with pytest.raises(ValueError):
        r.criterion_alpha("c", {}, level="interval")


# Shrout & Fleiss (1979), Table 2 (six targets, four judges) and Table 4:
# ICC(1,1) = .17, ICC(2,1) = .29, ICC(3,1) = .71; BMS 11.24, JMS 32.49, EMS 1.02.
SHROUT_FLEISS = [
    [9, 2, 5, 8],
    [6, 1, 3, 2],
    [8, 4, 6, 8],
    [7, 1, 2, 6],
    [10, 5, 6, 9],
    [6, 2, 4, 7],
]


def test_icc_matches_shrout_and_fleiss_table_4():
    result = r.icc(SHROUT_FLEISS)
    assert round(result.icc2_1, 2) == 0.29 and round(result.icc3_1, 2) == 0.71
    assert (round(result.ms_items, 2), round(result.ms_evaluators, 2)) == (11.24, 32.49)
    assert round(result.ms_error, 2) == 1.02
    assert (result.n_items, result.n_evaluators) == (6, 4)
    assert result.band.label == "poor"


def test_icc_hand_worked_two_by_two():
    # Items (80, 90) by two evaluators, the second 10 points harsher on both:
    # grand 80, SSR = 2 * (25 + 25) = 100, SSC = 2 * (25 + 25) = 100, SST = 200, SSE = 0.
    # ICC(2,1) = (100 - 0) / (100 + 0 + 2 * (100 - 0) / 2) = .5; ICC(3,1) = 1 (consistent).
    result = r.icc([[85, 75], [95, 85]])
    assert result.icc2_1 == pytest.approx(0.5) and result.icc3_1 == pytest.approx(1.0)
    assert result.band.label == "moderate"


def test_icc_of_identical_totals_is_undefined_and_bad_shapes_refused():
    flat = r.icc([[80, 80], [80, 80]])
    assert (flat.icc2_1, flat.icc3_1, flat.note) == (None, None, "every total was the same")
    with pytest.raises(ValueError):
        r.icc([[1, 2]])
    with pytest.raises(ValueError):
        r.icc([[1, 2], [3, math.nan]])


def test_total_score_icc_uses_items_every_evaluator_scored():
    scores = {i: dict(zip("abcd", row, strict=True)) for i, row in enumerate(SHROUT_FLEISS)}
    scores[99] = {"a": 50}  # scored by one evaluator only: left out
    assert round(r.total_score_icc(scores).icc2_1, 2) == 0.29
    assert r.total_score_icc({1: {"a": 1, "b": 2}}) is None  # one complete item
    assert r.total_score_icc({1: {"a": 1}, 2: {"a": 3}}) is None  # one evaluator


@pytest.mark.parametrize(
    ("alpha", "label"),
    [
        (1.0, "reliable"),
        (0.8, "reliable"),
        (0.7999, "tentative"),
        (0.667, "tentative"),
        (0.6669, "not reliable"),
        (-0.5, "not reliable"),
    ],
)
def test_alpha_bands(alpha, label):
    assert r.alpha_band(alpha).label == label


@pytest.mark.parametrize(
    ("icc", "label"),
    [
        (0.95, "excellent"),
        (0.9, "good"),
        (0.75, "good"),
        (0.7499, "moderate"),
        (0.5, "moderate"),
        (0.4999, "poor"),
    ],
)
def test_icc_bands_koo_and_li(icc, label):
    assert r.icc_band(icc).label == label
    assert r.icc_band(None) is None
