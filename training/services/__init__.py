"""Every write of the training app. Views, the API, tasks and the demo call these only.

Split by subject; import from ``training.services`` (names are re-exported here).
"""

from .buddies import (
    buddy_pair,
    buddy_pairing_end,
    buddy_pairings_apply,
    buddy_suggest,
    load_cap,
    open_pairings,
)
from .ideas import idea_award_points, idea_submit, idea_transition
from .modules import (
    enroll_new_hires,
    enrollment_create,
    enrollment_record_result,
    enrollment_withdraw,
    module_create,
    newhire_module,
    newhire_quiz_submit,
)
from .recognition import (
    KUDOS_PER_DAY,
    KUDOS_POINTS,
    award_from_kpi_results,
    incentives_award,
    kpi_results,
    may_give,
    period_bounds,
    recognition_give,
    scheme_create,
)
from .shadowing import (
    Busy,
    register_shift_finder,
    shadowing_cancel,
    shadowing_reflect,
    shadowing_schedule,
)
from .skills import agent_skill_remove, agent_skill_set, skill_create
from .tiers import (
    agent_tier_recompute,
    assessment_create,
    competencies,
    load_holding,
    load_ladder,
    tier_module_require,
    tier_promote,
    tier_requirement_remove,
    tier_requirement_set,
    tiers_recompute_all,
)

__all__ = [
    "Busy",
    "KUDOS_PER_DAY",
    "KUDOS_POINTS",
    "agent_skill_remove",
    "agent_skill_set",
    "agent_tier_recompute",
    "assessment_create",
    "award_from_kpi_results",
    "buddy_pair",
    "buddy_pairing_end",
    "buddy_pairings_apply",
    "buddy_suggest",
    "competencies",
    "enroll_new_hires",
    "enrollment_create",
    "enrollment_record_result",
    "enrollment_withdraw",
    "idea_award_points",
    "idea_submit",
    "idea_transition",
    "incentives_award",
    "kpi_results",
    "load_cap",
    "load_holding",
    "load_ladder",
    "may_give",
    "module_create",
    "newhire_module",
    "newhire_quiz_submit",
    "open_pairings",
    "period_bounds",
    "recognition_give",
    "register_shift_finder",
    "scheme_create",
    "shadowing_cancel",
    "shadowing_reflect",
    "shadowing_schedule",
    "skill_create",
    "tier_module_require",
    "tier_promote",
    "tier_requirement_remove",
    "tier_requirement_set",
    "tiers_recompute_all",
]
