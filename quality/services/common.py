"""Helpers shared by the quality services: role checks and input coercion."""

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from ccops.choices import Role
from ccops.models import Team

from ..errors import InvalidInput, NotAllowed


def is_qa(user) -> bool:
    """QA analysts and admins (``has_role`` gives admins every role)."""
    return bool(user and user.is_authenticated and user.has_role(Role.QA))


def supervises_team(user, team_id: int | None) -> bool:
    if not team_id or not user.has_role(Role.SUPERVISOR):
        return False
    return Team.objects.filter(pk=team_id, supervisor=user).exists()


def may_review(user, *, team_id: int | None) -> bool:
    """QA (anyone's work) or the supervisor of the agent's team."""
    return is_qa(user) or supervises_team(user, team_id)


def require_qa(user, what: str) -> None:
    if not is_qa(user):
        raise NotAllowed(f"Only QA analysts may {what}.")


def as_decimal(value, *, field: str, low: Decimal | None = None, high: Decimal | None = None):
    try:
        result = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise InvalidInput(f"{field.replace('_', ' ').capitalize()} must be a number.", field=field)
    if not result.is_finite():
        raise InvalidInput(f"{field.replace('_', ' ').capitalize()} must be a number.", field=field)
    if low is not None and result < low or high is not None and result > high:
        raise InvalidInput(
            f"{field.replace('_', ' ').capitalize()} must be between {low} and {high}.",
            field=field,
        )
    return result


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


def mapping(value, *, field: str) -> Mapping:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidInput(f"{field} must be an object keyed by criterion.", field=field)
    return value
