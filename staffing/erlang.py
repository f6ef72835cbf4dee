"""Front-office staffing math: Erlang B, Erlang C and Erlang A (pure functions, no Django).

Definitions (shared/DOMAIN.md, used exactly):

* traffic ``A = N * h / T`` erlangs for ``N`` contacts of average handle time ``h`` seconds
  offered in an interval of ``T`` seconds;
* Erlang B by the stable recursion ``B0 = 1; Bk = A*B(k-1) / (k + A*B(k-1))`` (no factorials,
  so thousands of agents never overflow);
* Erlang C probability of waiting ``Pw = n*Bn / (n - A*(1 - Bn))`` for ``n > A``;
* service level ``SL = 1 - Pw * exp(-(n - A) * t / h)`` for an answer target of ``t`` seconds;
* average speed of answer ``ASA = Pw * h / (n - A)``; occupancy ``A / n``;
* required agents: the smallest ``n > A`` meeting the SL target (and the ASA target and the
  maximum occupancy when given; under Erlang A also the maximum abandonment rate); scheduled
  agents ``ceil(n / (1 - shrinkage))``.

:func:`erlang_a` is Erlang A (M/M/n+M: callers abandon after an exponential patience), used
by :func:`required_agents` when ``patience_seconds`` is given. :func:`required_agents_batch`
solves a week of intervals for many work types at once (numpy, same arithmetic).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from numbers import Integral

import numpy as np
from numpy.typing import ArrayLike
from scipy.sparse import diags
from scipy.sparse.linalg import expm_multiply
from scipy.special import gammainc, gammaincc, gammaln, logsumexp

# n / (1 - shrinkage) within this distance of an integer is that integer: float noise must
# never add a phantom agent to a schedule.
_CEIL_TOLERANCE = 1e-9
# Erlang A: queue states this far (in log probability) below the mode are dropped (~3e-20).
_LOG_TAIL = 45.0
# Erlang A: refuse queues longer than this (an overloaded queue with near-infinite patience).
_MAX_QUEUE_STATES = 2_000_000
# Erlang A: a probability mass below this is left out (it cannot move a double's last bit).
_NEGLIGIBLE = 1e-17
# Erlang A: refuse an answered-within-t integration costlier than this; its cost is about
# rate x t x (1 + states / 3000) x 0.1 ms, so this is ~0.5 s per agent count tried.
_MAX_INTEGRATION = 5000.0


class ErlangInputError(ValueError):
    """Invalid staffing input; ``field`` names the offending argument (for form errors)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class StaffingResult:
    """Agents required for one interval and the performance they achieve.

    ``agents`` are needed on the phones; ``scheduled_agents`` adds shrinkage. The service
    level, ASA, occupancy and wait probability are those of ``agents``. ``abandon_rate`` is
    ``None`` for Erlang C (nobody abandons) and abandoned / offered under Erlang A.
    ``traffic`` is in erlangs.
    """

    agents: int
    scheduled_agents: int
    service_level: float
    asa_seconds: float
    occupancy: float
    wait_probability: float
    abandon_rate: float | None
    traffic: float


@dataclass(frozen=True)
class ErlangAResult:
    """Erlang A (M/M/n+M, first come first served) performance of ``n`` agents.

    * ``service_level``: answered within the target / offered. A caller who abandons counts
      as *not* answered within the target, even when they hang up before the target time
      (the strict convention; DOMAIN.md "answered within t / offered").
    * ``abandon_rate``: abandoned / offered; ``answered_fraction`` = 1 - ``abandon_rate``.
    * ``asa_seconds``: total wait of answered callers / answered.
    * ``wait_probability``: probability that an arriving caller finds every agent busy.
    * ``occupancy``: carried load / n (only answered calls occupy agents).
    """

    service_level: float
    abandon_rate: float
    asa_seconds: float
    wait_probability: float
    occupancy: float
    answered_fraction: float


def _num(value: float, field: str, ok: Callable[[float], bool], rule: str) -> float:
    """``float(value)`` if finite and ``ok``; otherwise ErlangInputError(field, ...)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ErlangInputError(field, f"must be a number, got {value!r}") from None
    if not (math.isfinite(number) and ok(number)):
        raise ErlangInputError(field, f"must be {rule}, got {value!r}")
    return number


def _positive(value: float, field: str) -> float:
    return _num(value, field, lambda x: x > 0, "> 0")


def _non_negative(value: float, field: str) -> float:
    return _num(value, field, lambda x: x >= 0, ">= 0")


def _n_and_a(n: int, a: float) -> tuple[int, float]:
    if isinstance(n, bool) or not isinstance(n, Integral) or n < 0:
        raise ErlangInputError("n", f"must be a whole number >= 0, got {n!r}")
    return int(n), _non_negative(a, "traffic")


def _check_targets(
    target_service_level: float,
    target_answer_seconds: float,
    shrinkage: float,
    max_occupancy: float | None,
    target_asa_seconds: float | None,
    patience_seconds: float | None,
    max_abandon_rate: float | None = None,
) -> None:
    sl = _num(target_service_level, "target_service_level", lambda x: 0 < x <= 1, "in (0, 1]")
    t = _non_negative(target_answer_seconds, "target_answer_seconds")
    _num(shrinkage, "shrinkage", lambda x: 0 <= x < 1, "in [0, 1)")
    if max_occupancy is not None:
        _num(max_occupancy, "max_occupancy", lambda x: 0 < x <= 1, "in (0, 1]")
    if target_asa_seconds is not None:
        _positive(target_asa_seconds, "target_asa_seconds")
    if patience_seconds is not None:
        _positive(patience_seconds, "patience_seconds")
    if max_abandon_rate is not None:
        _num(max_abandon_rate, "max_abandon_rate", lambda x: 0 < x <= 1, "in (0, 1]")
        if patience_seconds is None:
            raise ErlangInputError(
                "max_abandon_rate", "needs patience_seconds: only Erlang A models abandonment"
            )
    if t == 0 and sl >= 1:
        # SL(t=0) = 1 - Pw and Pw > 0 whenever there is traffic: 100% is never reached.
        raise ErlangInputError("target_service_level", "100% within 0 seconds is impossible")


# --------------------------------------------------------------------------------------------
# Erlang B / C
# --------------------------------------------------------------------------------------------


def traffic(volume: float, aht_seconds: float, interval_seconds: float) -> float:
    """Offered traffic in erlangs: ``A = volume * aht_seconds / interval_seconds``.

    Raises :class:`ErlangInputError` (field ``volume``, ``aht_seconds`` or
    ``interval_seconds``) for a negative volume or a non-positive AHT or interval.
    """
    volume = _non_negative(volume, "volume")
    return (
        volume
        * _positive(aht_seconds, "aht_seconds")
        / _positive(interval_seconds, "interval_seconds")
    )


def erlang_b(n: int, a: float) -> float:
    """Erlang B blocking probability of ``n`` servers offered ``a`` erlangs.

    ``B0 = 1; Bk = A*B(k-1) / (k + A*B(k-1))``: every intermediate value is in [0, 1], so it
    is stable for thousands of servers. ``erlang_b(n, 0) == 0`` for ``n >= 1``.
    """
    n, a = _n_and_a(n, a)
    b = 1.0
    for k in range(1, n + 1):
        ab = a * b
        b = ab / (k + ab)
    return b


def _pw_from_b(n: float, a: float, b: float) -> float:
    return n * b / (n - a * (1.0 - b))


def wait_probability(n: int, a: float) -> float:
    """Erlang C probability that a contact waits: ``Pw = n*Bn / (n - A*(1 - Bn))``.

    1.0 when ``n <= A`` (unstable queue: everyone waits); 0.0 when there is no traffic.
    """
    n, a = _n_and_a(n, a)
    if a == 0:
        return 0.0
    if n <= a:
        return 1.0
    return _pw_from_b(n, a, erlang_b(n, a))


def service_level(n: int, a: float, aht_seconds: float, target_answer_seconds: float) -> float:
    """Erlang C share answered within ``t`` seconds: ``1 - Pw * exp(-(n - A) * t / h)``.

    0.0 when ``n <= A`` (unstable queue); 1.0 when there is no traffic.
    """
    n, a = _n_and_a(n, a)
    h = _positive(aht_seconds, "aht_seconds")
    t = _non_negative(target_answer_seconds, "target_answer_seconds")
    if a == 0:
        return 1.0
    if n <= a:
        return 0.0
    return 1.0 - wait_probability(n, a) * math.exp(-(n - a) * t / h)


def asa(n: int, a: float, aht_seconds: float) -> float:
    """Erlang C average speed of answer in seconds: ``Pw * h / (n - A)``.

    ``math.inf`` when ``n <= A`` (unstable queue); 0.0 when there is no traffic.
    """
    n, a = _n_and_a(n, a)
    h = _positive(aht_seconds, "aht_seconds")
    if a == 0:
        return 0.0
    if n <= a:
        return math.inf
    return wait_probability(n, a) * h / (n - a)


def occupancy(n: int, a: float) -> float:
    """Occupancy ``A / n``, capped at 1.0 (and 0.0 without traffic).

    The cap only matters for ``n <= A``: the queue is unstable and agents are busy all the
    time, which is 100%, not more.
    """
    n, a = _n_and_a(n, a)
    if a == 0:
        return 0.0
    return 1.0 if n == 0 else min(a / n, 1.0)


def scheduled_agents(agents: int, shrinkage: float) -> int:
    """Agents to schedule so that ``agents`` are productive: ``ceil(agents / (1 - shrinkage))``.

    A ratio within 1e-9 of an integer counts as that integer.
    """
    s = _num(shrinkage, "shrinkage", lambda x: 0 <= x < 1, "in [0, 1)")
    return math.ceil(agents / (1.0 - s) - _CEIL_TOLERANCE)


def search_cap(a: float, max_occupancy: float | None = None) -> int:
    """Largest agent count tried before a target is declared impossible.

    ``int(A * 10) + 1000``, raised to ``ceil(A / max_occupancy) + 1`` when a low maximum
    occupancy alone needs more agents than that.
    """
    cap = int(a * 10) + 1000
    if max_occupancy is not None and a > 0:
        cap = max(cap, math.ceil(a / max_occupancy) + 1)
    return cap


def required_agents(
    volume: float,
    aht_seconds: float,
    interval_seconds: float,
    target_service_level: float,
    target_answer_seconds: float,
    *,
    shrinkage: float = 0.0,
    max_occupancy: float | None = None,
    target_asa_seconds: float | None = None,
    patience_seconds: float | None = None,
    max_abandon_rate: float | None = None,
) -> StaffingResult:
    """Fewest agents meeting the targets for one interval.

    Rules:

    * Erlang C (default): the smallest ``n > A`` with ``SL(n) >= target_service_level`` and,
      when given, ``ASA(n) <= target_asa_seconds`` and ``A / n <= max_occupancy``. All three
      are monotone in ``n``, so the first ``n`` meeting all of them is the minimum. Erlang B
      is carried forward while ``n`` climbs from 1 (never restarted per ``n``).
    * Erlang A (``patience_seconds`` given): the same targets evaluated with :func:`erlang_a`
      (abandoned callers are not answered within the target; ASA of answered callers;
      occupancy = carried load / n). ``n`` may then be below ``A``. With
      ``max_abandon_rate`` the smallest ``n`` also keeps abandoned / offered at or below it
      (abandonment falls as ``n`` grows, so the first ``n`` meeting every target is the
      minimum).
    * Volume 0 needs 0 agents (SL 1.0, ASA 0, occupancy 0).
    * Comparisons are exact (``SL >= target``), as in published calculators. A target of
      1.0 with ``t > 0`` is met when the computed SL rounds to 1.0 in double precision.
    * ``scheduled_agents = ceil(agents / (1 - shrinkage))``.

    Raises :class:`ErlangInputError` naming the field: ``volume`` < 0; ``aht_seconds`` or
    ``interval_seconds`` <= 0; ``target_service_level`` outside (0, 1];
    ``target_answer_seconds`` < 0; ``shrinkage`` outside [0, 1); ``max_occupancy`` outside
    (0, 1]; ``target_asa_seconds`` or ``patience_seconds`` <= 0; ``max_abandon_rate``
    outside (0, 1] or given without ``patience_seconds``; ``target_service_level``
    (``target_asa_seconds`` if only the ASA fails) when no ``n`` up to :func:`search_cap`
    meets the targets, e.g. 100% within 0 seconds.
    """
    a = traffic(volume, aht_seconds, interval_seconds)
    _check_targets(
        target_service_level,
        target_answer_seconds,
        shrinkage,
        max_occupancy,
        target_asa_seconds,
        patience_seconds,
        max_abandon_rate,
    )
    if a == 0:
        abandon = None if patience_seconds is None else 0.0
        return StaffingResult(0, 0, 1.0, 0.0, 0.0, 0.0, abandon, 0.0)
    h, t, target = float(aht_seconds), float(target_answer_seconds), float(target_service_level)
    max_asa = math.inf if target_asa_seconds is None else float(target_asa_seconds)
    max_occ = 1.0 if max_occupancy is None else float(max_occupancy)
    cap = search_cap(a, max_occupancy)
    if patience_seconds is not None:
        max_ab = 1.0 if max_abandon_rate is None else float(max_abandon_rate)
        n, perf = _search_erlang_a(
            a, h, t, target, max_asa, max_occ, float(patience_seconds), max_ab
        )
        metrics = (perf.service_level, perf.asa_seconds, perf.occupancy, perf.wait_probability)
        return StaffingResult(n, scheduled_agents(n, shrinkage), *metrics, perf.abandon_rate, a)
    sl_met = False
    b = 1.0
    for n in range(1, cap + 1):
        ab = a * b
        b = ab / (n + ab)  # Erlang B(n) from B(n - 1)
        if n <= a:
            continue
        pw = _pw_from_b(n, a, b)
        sl = 1.0 - pw * math.exp(-(n - a) * t / h)
        if sl < target:
            continue
        sl_met = True
        mean_wait = pw * h / (n - a)
        if mean_wait > max_asa or a / n > max_occ:
            continue
        return StaffingResult(
            n, scheduled_agents(n, shrinkage), sl, mean_wait, a / n, pw, None, a
        )  # fields in declaration order
    field = "target_asa_seconds" if sl_met and max_asa < math.inf else "target_service_level"
    raise ErlangInputError(field, f"no agent count up to {cap} meets the target (A={a:.4g})")


def sl_curve(
    volume: float,
    aht_seconds: float,
    interval_seconds: float,
    target_answer_seconds: float,
    n_from: int,
    n_to: int,
) -> list[tuple[int, float, float, float]]:
    """Erlang C ``(n, service_level, asa_seconds, occupancy)`` for ``n_from <= n <= n_to``.

    For a chart of service level against agents. Rows with ``n <= A`` have SL 0.0, ASA
    ``math.inf`` and occupancy 1.0 (unstable queue). ``n_from >= 1``; at most 10,001 rows.
    """
    a = traffic(volume, aht_seconds, interval_seconds)
    h = float(aht_seconds)
    t = _non_negative(target_answer_seconds, "target_answer_seconds")
    if isinstance(n_from, bool) or not isinstance(n_from, Integral) or n_from < 1:
        raise ErlangInputError("n_from", f"must be a whole number >= 1, got {n_from!r}")
    if not isinstance(n_to, Integral) or not n_from <= n_to <= n_from + 10_000:
        raise ErlangInputError("n_to", "must be a whole number from n_from to n_from + 10000")
    rows: list[tuple[int, float, float, float]] = []
    b = 1.0
    for n in range(1, n_to + 1):
        ab = a * b
        b = ab / (n + ab)
        if n < n_from:
            continue
        if a == 0:
            rows.append((n, 1.0, 0.0, 0.0))
        elif n <= a:
            rows.append((n, 0.0, math.inf, 1.0))
        else:
            pw = _pw_from_b(n, a, b)
            rows.append((n, 1.0 - pw * math.exp(-(n - a) * t / h), pw * h / (n - a), a / n))
    return rows


# --------------------------------------------------------------------------------------------
# Erlang A (M/M/n+M)
# --------------------------------------------------------------------------------------------


def _erlang_a_distribution(n: int, a: float, h: float, patience: float) -> np.ndarray:
    """Stationary probabilities of the number in system (states 0..n+K), normalised.

    Birth rate ``A/h``; death rate ``k/h`` up to ``n`` busy agents, ``n/h + j/patience`` with
    ``j`` callers waiting (each waiting caller abandons at rate ``1/patience``). Built in log
    space so thousands of agents never overflow; the queue is truncated once its terms are
    falling and ``_LOG_TAIL`` below the mode.
    """
    lam, theta = a / h, 1.0 / patience
    k = np.arange(n + 1, dtype=float)
    log_busy = k * math.log(a) - gammaln(k + 1)  # Poisson shape while agents are free
    j_peak = max(0.0, (lam - n / h) / theta)  # queue terms grow until here, then fall
    size = int(j_peak + 12.0 * math.sqrt(lam / theta + 1.0)) + 64
    if size > _MAX_QUEUE_STATES:
        raise ErlangInputError("patience_seconds", "too long for this load; use Erlang C")
    while True:
        j = np.arange(1, size + 1, dtype=float)
        log_queue = log_busy[-1] + np.cumsum(math.log(lam) - np.log(n / h + j * theta))
        top = max(log_busy.max(), log_queue.max())
        if log_queue[-1] < top - _LOG_TAIL and size > j_peak:
            break
        size *= 2
        if size > _MAX_QUEUE_STATES:
            raise ErlangInputError(
                "patience_seconds", "too long for this load (queue does not settle); use Erlang C"
            )
    log_p = np.concatenate([log_busy, log_queue])
    return np.exp(log_p - logsumexp(log_p))


def _queued_answered_within(
    q: np.ndarray, r: np.ndarray, s: np.ndarray, answered_from: np.ndarray, t: float
) -> float:
    """Share of arrivals that find all agents busy and are answered within ``t`` (stages as
    in :func:`erlang_a`).

    A caller with ``j`` waiting ahead passes ``j + 1`` stages at rates ``s[0] <= ... <= s[j]``,
    so its time in the queue lies between Gamma(j + 1, s[j]) and Gamma(j + 1, s[0]). Two
    shortcuts follow, each dropping less than double precision: when nobody can still be
    waiting at ``t``, answered within ``t`` is answered; callers too far back to pass their
    stages by ``t`` (or to be answered at all) stay out of the integration, whose cost grows
    with ``t`` x rates x states (minutes for a large queue without them).
    """
    stages = np.arange(1.0, q.size + 1)
    if q @ gammaincc(stages, s[0] * t) < _NEGLIGIBLE:
        return float(q @ answered_from)
    bound = q * np.minimum(answered_from, gammainc(stages, s * t))
    size = int(np.count_nonzero(np.cumsum(bound[::-1]) >= _NEGLIGIBLE))
    if size == 0:
        return 0.0
    if s[size - 1] * t * (1 + size / 3000) > _MAX_INTEGRATION:
        raise ErlangInputError(
            "patience_seconds", "too long for this load and answer target; use Erlang C"
        )
    # Transposed generator (column i = flows out of state i): stage i feeds stage i-1 at r_i,
    # stage 0 feeds "answered" (last index) at r_0; abandoning leaves the chain.
    gen = diags(
        [np.append(-s[:size], 0.0), np.append(r[1:size], 0.0), [r[0]]],
        [0, 1, -size],
        shape=(size + 1, size + 1),
        format="csr",
    )
    return float(expm_multiply(gen * t, np.append(q[:size], 0.0))[-1])


def erlang_a(
    n: int,
    a: float,
    aht_seconds: float,
    patience_seconds: float,
    target_answer_seconds: float,
) -> ErlangAResult:
    """Erlang A (M/M/n+M, first come first served) performance of ``n`` agents.

    Poisson arrivals at rate ``A / h``, exponential handle times of mean ``h``, exponential
    patience of mean ``patience_seconds`` while waiting. Definitions: :class:`ErlangAResult`.

    Method: the stationary distribution of the birth-death chain gives what an arrival sees
    (PASTA). An arrival finding ``j`` callers waiting reaches an agent after ``j + 1`` stages;
    with ``i`` callers ahead the queue ahead moves at ``r_i = n/h + i/patience`` while the
    caller abandons at ``1/patience``. So P(answered | j) = prod r_i / s_i with
    ``s_i = r_i + 1/patience``, the wait of answered callers is the sum of stages of mean
    ``1/s_i``, and P(answered within t | j) comes from integrating that absorbing chain over
    ``[0, t]`` (``scipy.sparse.linalg.expm_multiply``). Checked against a discrete-event
    simulation in the tests.
    """
    n, a = _n_and_a(n, a)
    h = _positive(aht_seconds, "aht_seconds")
    patience = _positive(patience_seconds, "patience_seconds")
    t = _non_negative(target_answer_seconds, "target_answer_seconds")
    if a == 0:
        return ErlangAResult(1.0, 0.0, 0.0, 0.0, 0.0, 1.0)
    if n == 0:
        return ErlangAResult(0.0, 1.0, 0.0, 1.0, 0.0, 0.0)

    p = _erlang_a_distribution(n, a, h, patience)
    p_free = float(p[:n].sum())  # the arrival finds an idle agent
    q = p[n:]  # q[j]: all agents busy and j callers already waiting
    theta = 1.0 / patience
    r = n / h + np.arange(q.size, dtype=float) * theta
    s = r + theta
    answered_from = np.cumprod(r / s)
    answered = p_free + float(q @ answered_from)
    mean_wait = float(q @ (answered_from * np.cumsum(1.0 / s))) / answered
    within = p_free
    if t > 0:
        within += _queued_answered_within(q, r, s, answered_from, t)
    return ErlangAResult(
        service_level=min(1.0, max(0.0, within)),
        abandon_rate=max(0.0, 1.0 - answered),
        asa_seconds=mean_wait,
        wait_probability=float(q.sum()),
        occupancy=min(1.0, a * answered / n),
        answered_fraction=answered,
    )


def _search_erlang_a(
    a: float,
    h: float,
    t: float,
    target: float,
    max_asa: float,
    max_occ: float,
    patience: float,
    max_abandon: float = 1.0,
) -> tuple[int, ErlangAResult]:
    """Smallest ``n`` meeting the targets under Erlang A, with its performance.

    Only answered calls occupy agents, so ``A * SL <= A * answered <= n``: no ``n`` below
    ``A * target`` can meet the SL. SL rises with ``n`` (more agents never lengthen a wait),
    so galloping + bisection find the SL minimum; ``n`` then climbs one at a time until the
    ASA, occupancy and abandonment targets hold (occupancy is not monotone under
    abandonment). Abandonment falls as ``n`` grows, so its minimum is also found by
    galloping + bisection before the climb.
    """
    cap = search_cap(a, None if max_occ >= 1 else max_occ)

    def perf(n: int) -> ErlangAResult:
        return erlang_a(n, a, h, patience, t)

    lo = hi = max(1, math.floor(a * target) - 1)
    step = 1
    while perf(hi).service_level < target:  # gallop: SL(lo) < target
        if hi >= cap:
            raise ErlangInputError("target_service_level", f"no agent count up to {cap} fits")
        lo, hi, step = hi, min(cap, hi + step), step * 2
    while hi - lo > 1:  # bisection: SL(lo) < target <= SL(hi), unless lo == hi
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if perf(mid).service_level >= target else (mid, hi)
    n = hi
    if max_abandon < 1.0 and perf(n).abandon_rate > max_abandon:
        lo, step = n, 1
        hi = n
        while perf(hi).abandon_rate > max_abandon:  # gallop: abandon(lo) > max
            if hi >= cap:
                raise ErlangInputError("max_abandon_rate", f"no agent count up to {cap} fits")
            lo, hi, step = hi, min(cap, hi + step), step * 2
        while hi - lo > 1:
            mid = (lo + hi) // 2
            lo, hi = (lo, mid) if perf(mid).abandon_rate <= max_abandon else (mid, hi)
        n = hi
    while n <= cap:
        result = perf(n)
        if (
            result.asa_seconds <= max_asa
            and result.occupancy <= max_occ
            and result.abandon_rate <= max_abandon
        ):
            return n, result
        # Occupancy is a * answered / n and more agents never answer fewer callers, so no
        # count below a * answered(n) / max_occ meets it: jump there instead of climbing
        # one agent at a time (tens of thousands of solves for a low maximum occupancy).
        n = max(n + 1, math.ceil(a * result.answered_fraction / max_occ - _CEIL_TOLERANCE))
    field = "target_asa_seconds" if max_asa < math.inf else "target_service_level"
    if max_abandon < 1.0 and max_asa == math.inf:
        field = "max_abandon_rate"
    raise ErlangInputError(field, f"no agent count up to {cap} meets the target")


# --------------------------------------------------------------------------------------------
# Batch (a week of intervals x many work types)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffingBatch:
    """:func:`required_agents_batch` output: numpy arrays in the broadcast input shape.

    Same meanings as :class:`StaffingResult`; ``abandon_rate`` is ``None`` unless a patience
    was given.
    """

    agents: np.ndarray
    scheduled_agents: np.ndarray
    service_level: np.ndarray
    asa_seconds: np.ndarray
    occupancy: np.ndarray
    wait_probability: np.ndarray
    abandon_rate: np.ndarray | None
    traffic: np.ndarray


def _check_cells(values: np.ndarray, field: str, ok: np.ndarray, rule: str) -> None:
    if not ok.all():
        i = int(np.flatnonzero(~ok.ravel())[0])
        raise ErlangInputError(field, f"must be {rule}, got {values.flat[i]!r} at index {i}")


def required_agents_batch(
    volumes: ArrayLike,
    ahts: ArrayLike,
    interval_seconds: float,
    target_service_level: ArrayLike,
    target_answer_seconds: ArrayLike,
    shrinkage: ArrayLike = 0.0,
    *,
    max_occupancy: float | None = None,
    target_asa_seconds: float | None = None,
    patience_seconds: float | None = None,
    max_abandon_rate: float | None = None,
) -> StaffingBatch:
    """:func:`required_agents` for many intervals at once (same rules, same arithmetic).

    ``volumes``, ``ahts``, both targets and ``shrinkage`` broadcast against each other (e.g.
    20 x 336 volumes with a 20 x 1 column of per-work-type targets). Erlang C is vectorised:
    Erlang B runs up to ``floor(A)`` for all cells at once (cells sorted by traffic, so step
    ``k`` updates a prefix), then every unsolved cell climbs one agent per step until it
    meets its targets; solved cells drop out. 6,720 solves take a few milliseconds. With
    ``patience_seconds`` (Erlang A) each distinct input is solved once by
    :func:`required_agents` and cached.

    Validation as in :func:`required_agents`; messages name the first bad flat index.
    """
    inputs = (volumes, ahts, target_service_level, target_answer_seconds, shrinkage)
    arrays = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in inputs))
    vol, aht, sl_t, t_ans, shr = (np.ascontiguousarray(x) for x in arrays)
    interval = _positive(interval_seconds, "interval_seconds")
    _check_cells(vol, "volume", np.isfinite(vol) & (vol >= 0), ">= 0")
    _check_cells(aht, "aht_seconds", np.isfinite(aht) & (aht > 0), "> 0")
    _check_cells(sl_t, "target_service_level", (sl_t > 0) & (sl_t <= 1), "in (0, 1]")
    _check_cells(t_ans, "target_answer_seconds", np.isfinite(t_ans) & (t_ans >= 0), ">= 0")
    _check_cells(shr, "shrinkage", (shr >= 0) & (shr < 1), "in [0, 1)")
    _check_cells(sl_t, "target_service_level", (t_ans > 0) | (sl_t < 1), "< 1 when t = 0")
    _check_targets(
        0.5, 1.0, 0.0, max_occupancy, target_asa_seconds, patience_seconds, max_abandon_rate
    )

    a = vol * aht / interval  # same operation order as traffic()
    out = {
        "agents": np.zeros(a.shape, dtype=np.int64),
        "service_level": np.ones(a.shape),
        "asa_seconds": np.zeros(a.shape),
        "occupancy": np.zeros(a.shape),
        "wait_probability": np.zeros(a.shape),
    }
    abandon = None
    if patience_seconds is None:
        _solve_erlang_c(a, aht, sl_t, t_ans, max_occupancy, target_asa_seconds, out)
    else:
        abandon = np.zeros(a.shape)
        cache: dict[tuple[float, float, float, float], StaffingResult] = {}
        for i in np.flatnonzero(a.ravel() > 0):
            key = (vol.flat[i], aht.flat[i], sl_t.flat[i], t_ans.flat[i])
            if key not in cache:
                cache[key] = required_agents(
                    *key[:2],
                    interval,
                    *key[2:],
                    max_occupancy=max_occupancy,
                    target_asa_seconds=target_asa_seconds,
                    patience_seconds=patience_seconds,
                    max_abandon_rate=max_abandon_rate,
                )
            for name, values in out.items():
                values.flat[i] = getattr(cache[key], name)
            abandon.flat[i] = cache[key].abandon_rate
    agents = out.pop("agents")
    scheduled = np.ceil(agents / (1.0 - shr) - _CEIL_TOLERANCE).astype(np.int64)
    return StaffingBatch(agents, scheduled, abandon_rate=abandon, traffic=a, **out)


def _solve_erlang_c(
    a: np.ndarray,
    aht: np.ndarray,
    sl_t: np.ndarray,
    t_ans: np.ndarray,
    max_occupancy: float | None,
    target_asa_seconds: float | None,
    out: dict[str, np.ndarray],
) -> None:
    """Vectorised Erlang C search; fills ``out`` in place for the cells with ``A > 0``."""
    cells = np.flatnonzero(a.ravel() > 0)
    if cells.size == 0:
        return
    floor_a = np.floor(a.ravel()[cells]).astype(np.int64)
    order = np.argsort(-floor_a, kind="stable")  # descending, so step k updates a prefix
    cells, floor_a = cells[order], floor_a[order]
    traf = a.ravel()[cells]
    b = np.ones(cells.size)
    top = int(floor_a[0])
    prefix = np.searchsorted(-floor_a, -np.arange(top + 1), side="right")  # #cells floor >= k
    for k in range(1, top + 1):
        m = prefix[k]
        ab = traf[:m] * b[:m]
        b[:m] = ab / (k + ab)
    h, target, t = aht.ravel()[cells], sl_t.ravel()[cells], t_ans.ravel()[cells]
    max_asa = math.inf if target_asa_seconds is None else float(target_asa_seconds)
    max_occ = 1.0 if max_occupancy is None else float(max_occupancy)
    cap = (traf * 10).astype(np.int64) + 1000  # search_cap() per cell
    if max_occupancy is not None:
        cap = np.maximum(cap, np.ceil(traf / max_occupancy).astype(np.int64) + 1)
    n = (floor_a + 1).astype(float)
    while cells.size:
        ab = traf * b
        b = ab / (n + ab)
        pw = n * b / (n - traf * (1.0 - b))
        sl = 1.0 - pw * np.exp(-(n - traf) * t / h)
        wait = pw * h / (n - traf)
        done = (sl >= target) & (wait <= max_asa) & (traf / n <= max_occ)
        if done.any():
            idx = cells[done]
            for name, values in zip(
                ("agents", "service_level", "asa_seconds", "occupancy", "wait_probability"),
                (n, sl, wait, traf / n, pw),
                strict=True,
            ):
                out[name].flat[idx] = values[done]
            keep = ~done
            cells, traf, b, n, h, target, t, cap = (
                x[keep] for x in (cells, traf, b, n, h, target, t, cap)
            )
        n += 1.0
        over = n > cap
        if over.any():
            i = int(cells[np.argmax(over)])
            raise ErlangInputError(
                "target_service_level", f"no agent count up to the cap meets the target at {i}"
            )
