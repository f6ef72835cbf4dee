"""Helpers shared by the training services: role checks, row locks, input coercion."""

from collections.abc import Iterable
from datetime import date

from django.conf import settings
from django.utils import timezone

from ccops.choices import Role
from ccops.models import Team, User

from ..errors import InvalidInput, NotAllowed

# Who may manage people development (skills, enrollments, shadowing, buddies, ideas).
MANAGERS = (Role.HR, Role.SUPERVISOR)


def is_hr(user) -> bool:
    """HR (and admins: ``has_role`` gives them every role)."""
    return bool(user and user.is_authenticated and user.has_role(Role.HR))


def is_manager(user) -> bool:
    return bool(user and user.is_authenticated and user.has_role(*MANAGERS))


def is_agent(user) -> bool:
    """Holds the Agent role itself (admins are not agents for pairing and points)."""
    return Role.AGENT in user.role_names


def manages(user, agent) -> bool:
    """HR manages everyone; a supervisor manages the agents of the teams they lead."""
    if is_hr(user):
        return True
    if not user.has_role(Role.SUPERVISOR) or not agent.team_id:
        return False
    return Team.objects.filter(pk=agent.team_id, supervisor=user).exists()


def require_hr(user, what: str) -> None:
    if not is_hr(user):
        raise NotAllowed(f"Only HR may {what}.")


def require_manages(user, agent, what: str) -> None:
    if not manages(user, agent):
        raise NotAllowed(f"Only HR or {agent}'s supervisor may {what}.")


def require_agent(user, *, field: str) -> None:
    if not user.is_active or not is_agent(user):
        raise InvalidInput(f"{user} is not an active agent.", field=field)


def lock_users(ids: Iterable[int]) -> None:
    """Lock people's rows (in id order, so two writers never deadlock): the per-person
    writes that check then insert (tier changes, pairings, kudos limits) serialise here."""
    ids = sorted({i for i in ids if i})
    if ids:
        list(User.objects.select_for_update().filter(pk__in=ids).order_by("pk").values("pk"))


def today() -> date:
    return timezone.localdate()


def new_hire_days() -> int:
    return settings.NEW_HIRE_DAYS


def text(value, *, field: str, required: bool = False, max_length: int = 5000) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput("Must be text.", field=field)
    value = value.strip()
    if required and not value:
        raise InvalidInput(f"{field.replace('_', ' ').capitalize()} is required.", field=field)
    if len(value) > max_length:
        raise InvalidInput(f"At most {max_length} characters.", field=field)
    return value


def integer(value, *, field: str, low: int, high: int) -> int:
    label = field.replace("_", " ").capitalize()
    if isinstance(value, bool):
        raise InvalidInput(f"{label} must be a whole number.", field=field)
    try:
        result = int(str(value).strip())
    except (TypeError, ValueError):
        raise InvalidInput(f"{label} must be a whole number.", field=field)
    if not low <= result <= high:
        raise InvalidInput(f"{label} must be between {low} and {high}.", field=field)
    return result


def choice(value, choices, *, field: str) -> str:
    if value not in choices.values:
        allowed = ", ".join(choices.values)
        raise InvalidInput(f"Choose one of: {allowed}.", field=field)
    return value
