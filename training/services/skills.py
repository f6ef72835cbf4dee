"""Skills: agents' levels and certifications. Every change recomputes the agent's tier."""

from datetime import date

from django.db import transaction

from ccops.audit import audited
from ccops.choices import Office
from ccops.models import User

from ..errors import InvalidInput
from ..models import AgentSkill, Skill
from .common import integer, lock_users, require_agent, require_hr, require_manages, text, today
from .tiers import agent_tier_recompute


def _date(value, *, field: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput("Enter a date as YYYY-MM-DD.", field=field)


def agent_skill_set(
    *,
    agent: User,
    skill: Skill,
    level,
    by: User,
    certified_on=None,
    expires_on=None,
) -> AgentSkill:
    """Set ``agent``'s level in ``skill`` (HR, or the supervisor of the agent's team), certified
    by ``by`` on ``certified_on`` (default today), valid until ``expires_on`` (none: no
    expiry). The tier follows at once: a higher level can make the agent ready for the next
    tier; a lower one can demote them."""
    require_manages(by, agent, "change skills")
    require_agent(agent, field="agent")
    level = integer(level, field="level", low=1, high=5)
    certified_on = _date(certified_on, field="certified_on") or today()
    expires_on = _date(expires_on, field="expires_on")
    if certified_on > today():
        raise InvalidInput("Certification cannot be dated in the future.", field="certified_on")
    if expires_on is not None and expires_on <= certified_on:
        raise InvalidInput("Expiry must be after the certification date.", field="expires_on")
    with transaction.atomic():
        lock_users([agent.pk])
        # Saved one by one (not update_or_create) so the history record names ``by``.
        row = AgentSkill.objects.filter(agent=agent, skill=skill).first()
        row = row or AgentSkill(agent=agent, skill=skill)
        row.level, row.certified_on, row.expires_on = level, certified_on, expires_on
        row.certified_by = by
        audited(row, by).save()
        agent_tier_recompute(agent=agent, by=by)
    return row


def agent_skill_remove(*, agent_skill: AgentSkill, by: User) -> None:
    agent = agent_skill.agent
    require_manages(by, agent, "change skills")
    with transaction.atomic():
        lock_users([agent.pk])
        row = AgentSkill.objects.filter(pk=agent_skill.pk).first()
        if row is not None:
            audited(row, by).delete()
        agent_tier_recompute(agent=agent, by=by)


def skill_create(*, name: str, office: str = "", description: str = "", by: User) -> Skill:
    require_hr(by, "add skills")
    name = text(name, field="name", required=True, max_length=100)
    if office and office not in Office.values:
        raise InvalidInput("Choose front, back or leave blank.", field="office")
    if Skill.objects.filter(name__iexact=name).exists():
        raise InvalidInput(f"A skill named {name} exists.", field="name")
    with transaction.atomic():
        return Skill.objects.create(
            name=name, office=office, description=text(description, field="description")
        )
