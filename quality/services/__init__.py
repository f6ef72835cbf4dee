"""Every write of the quality app. Import from here: ``from quality import services``."""

from .calibration import (
    MAX_ITEMS_PER_SESSION,
    calibration_report,
    calibration_score_submit,
    calibration_session_create,
    calibration_session_reveal,
)
from .coaching import coaching_session_complete, coaching_session_create, coaching_tip_create
from .evaluations import (
    answer_errors,
    evaluate_answers,
    evaluation_acknowledge,
    evaluation_create,
    evaluation_dispute,
    evaluation_resolve,
    evaluation_save,
    evaluation_start,
    evaluation_submit,
)
from .sampling import (
    MAX_PER_AGENT,
    SampleOutcome,
    default_per_agent,
    previous_week_start,
    sample_draw,
    week_bounds,
    week_start_of,
)
from .scorecards import (
    criterion_specs,
    scorecard_applies,
    scorecard_criteria,
    scorecard_for_work_types,
    scorecard_in_use,
    scorecard_save,
    scorecard_specs,
)

__all__ = [
    "MAX_ITEMS_PER_SESSION",
    "MAX_PER_AGENT",
    "SampleOutcome",
    "answer_errors",
    "calibration_report",
    "calibration_score_submit",
    "calibration_session_create",
    "calibration_session_reveal",
    "coaching_session_complete",
    "coaching_session_create",
    "coaching_tip_create",
    "criterion_specs",
    "default_per_agent",
    "evaluate_answers",
    "evaluation_acknowledge",
    "evaluation_create",
    "evaluation_dispute",
    "evaluation_resolve",
    "evaluation_save",
    "evaluation_start",
    "evaluation_submit",
    "previous_week_start",
    "sample_draw",
    "scorecard_applies",
    "scorecard_criteria",
    "scorecard_for_work_types",
    "scorecard_in_use",
    "scorecard_save",
    "scorecard_specs",
    "week_bounds",
    "week_start_of",
]
