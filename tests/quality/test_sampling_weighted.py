"""Proportional allocation and weighted estimates (issue 23): known answers, including the
issue's agent with 80% calls, 16% e-mails and 4% complaints."""

from collections import Counter

import pytest

from quality.sampling import (
    EQUAL,
    SampleItem,
    draw_sample,
    proportional_allocation,
    weighted_estimate,
    weighted_mean,
)

MIX = {"call": 80, "mail": 16, "complaint": 4}


def agent_pool(**sizes):
    items, next_id = [], 1
    for work_type, count in sizes.items():
        for _ in range(count):
            items.append(SampleItem(next_id, "agent", work_type, "2026-W49"))
            next_id += 1
    return items


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (25, {"call": 20, "mail": 4, "complaint": 1}),  # exactly proportional
        (10, {"call": 8, "mail": 1, "complaint": 1}),  # shares 8 / 1.6 / 0.4, minimum 1 each
        (3, {"call": 1, "mail": 1, "complaint": 1}),  # the minimum takes the whole quota
        (2, {"call": 1, "mail": 1, "complaint": 0}),  # too few for every type: largest first
        (50, {"call": 40, "mail": 8, "complaint": 2}),
        (500, MIX),  # more than there is: everything
        (0, {"call": 0, "mail": 0, "complaint": 0}),
    ],
)
def test_proportional_allocation_known_answers(n, expected):
    assert proportional_allocation(MIX, n) == expected


def test_allocation_without_minimum_and_capped_by_stratum_size():
    # Shares 4 / 0.8 / 0.2: largest deficit after 4 calls is the mails' .8.
    assert proportional_allocation(MIX, 5, minimum=0) == {"call": 4, "mail": 1, "complaint": 0}
    # A minimum of 3 on a stratum of 2 gives its 2; the rest follows the shares.
    sizes = {"a": 10, "b": 2}
    assert proportional_allocation(sizes, 6, minimum=3) == {"a": 4, "b": 2}
    with pytest.raises(ValueError):
        proportional_allocation(MIX, -1)


def test_draw_is_proportional_by_default_and_equal_on_request():
    items = agent_pool(**MIX)
    type_of = {i.item_id: i.work_type_id for i in items}
    proportional = Counter(type_of[i] for i in draw_sample(items, set(), 25, seed="w49"))
    assert proportional == {"call": 20, "mail": 4, "complaint": 1}  # 4% complaints
    equal = Counter(type_of[i] for i in draw_sample(items, set(), 12, "w49", allocation=EQUAL))
    assert equal == {"call": 4, "mail": 4, "complaint": 4}  # a third complaints
    with pytest.raises(ValueError):
        draw_sample(items, set(), 3, seed=1, allocation="random")


def test_weighted_mean_of_the_issue_example():
    """Quota 3 gives one of each type (the minimum): calls 90, e-mails 80, complaints 40.
    Unweighted 70; weights (N_h/N)/(n_h/n) = .8/(1/3) = 2.4, .16*3 = .48, .04*3 = .12;
    weighted = .8*90 + .16*80 + .04*40 = 72 + 12.8 + 1.6 = 86.4."""
    estimate = weighted_mean([("call", 90), ("mail", 80), ("complaint", 40)], MIX)
    assert estimate.unweighted_mean == pytest.approx(70)
    assert estimate.mean == pytest.approx(86.4)
    assert estimate.weights == pytest.approx({"call": 2.4, "mail": 0.48, "complaint": 0.12})
    assert (estimate.n, estimate.coverage) == (3, 1.0)


def test_proportional_sample_needs_no_correction():
    values = [("call", 90)] * 20 + [("mail", 80)] * 4 + [("complaint", 40)]
    estimate = weighted_mean(values, MIX)
    assert estimate.mean == pytest.approx(estimate.unweighted_mean)
    assert list(estimate.weights.values()) == pytest.approx([1.0, 1.0, 1.0])


def test_unsampled_strata_are_reported_as_coverage_and_empty_is_none():
    # No complaint evaluated: the mean is over calls and mails (96% of the work).
    estimate = weighted_estimate({"call": 90.0, "mail": 80.0}, {"call": 1, "mail": 1}, MIX)
    assert estimate.mean == pytest.approx((80 * 90 + 16 * 80) / 96)
    assert estimate.coverage == pytest.approx(0.96)
    empty = weighted_mean([], MIX)
    assert (empty.mean, empty.unweighted_mean, empty.n) == (None, None, 0)
    # A population smaller than its sample (items reopened since): never below the sample.
    assert weighted_mean([("call", 50), ("call", 70)], {"call": 1}).mean == pytest.approx(60)
