"""Shadowing: schedule a session that clashes with nobody's time, then both reflect on it."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone

from ccops.models import User

from ..choices import HostArea, ShadowingStatus
from ..errors import Conflict, InvalidInput, NotAllowed
from ..models import ShadowingSession
from .common import choice, integer, lock_users, manages, text

# Shift activities a shadowing session may sit inside (the planner scheduled it).
COMPATIBLE_ACTIVITIES = ("training", "shadowing")


class Busy(NamedTuple):
    """A scheduled block of the participant's time that a session would clash with."""

    activity: str  # its label, e.g. "Front office"
    start: datetime
    end: datetime


# Shifts belong to staffing, which sits above training: training never imports it, staffing
# registers its finder from its ``AppConfig.ready``. ``finder(agent, starts_at, ends_at,
# compatible)`` returns the first block overlapping the window whose activity is not in
# ``compatible``, as a ``Busy``, or None. Without one (staffing not installed) no shift check.
_shift_finder: Callable[..., Busy | None] | None = None


def register_shift_finder(finder: Callable[..., Busy | None]) -> None:
    global _shift_finder
    _shift_finder = finder


def _fmt(dt: datetime) -> str:
    return f"{timezone.localtime(dt):%Y-%m-%d %H:%M}"


def shift_clash(participant: User, starts_at: datetime, ends_at: datetime) -> Busy | None:
    """The first shift of ``participant`` overlapping the window with an activity other than
    training or shadowing (they are scheduled to work, or are off), else ``None``."""
    if _shift_finder is None:
        return None
    return _shift_finder(participant, starts_at, ends_at, COMPATIBLE_ACTIVITIES)


def _session_clash(user_ids, starts_at, ends_at, exclude_pk=None):
    qs = ShadowingSession.objects.filter(
        status=ShadowingStatus.SCHEDULED, starts_at__lt=ends_at, ends_at__gt=starts_at
    )
    qs = qs.filter(participant_id__in=user_ids) | qs.filter(host_id__in=user_ids)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.select_related("participant", "host").order_by("starts_at").first()


def shadowing_schedule(
    *,
    participant: User,
    host: User,
    host_area: str,
    starts_at: datetime,
    duration_minutes,
    by: User,
) -> ShadowingSession:
    """HR or the participant's supervisor books a session. Refused when it overlaps another
    session of either person, or a shift of the participant that is not training or
    shadowing (asked through staffing's registered finder)."""
    if not manages(by, participant):
        raise NotAllowed(f"Only HR or {participant}'s supervisor may schedule their shadowing.")
    host_area = choice(host_area, HostArea, field="host_area")
    if host.pk == participant.pk:
        raise InvalidInput("The host must be someone else.", field="host")
    if not host.is_active:
        raise InvalidInput(f"{host} is not active.", field="host")
    duration = integer(duration_minutes, field="duration_minutes", low=15, high=480)
    if not isinstance(starts_at, datetime) or timezone.is_naive(starts_at):
        raise InvalidInput("Enter a date and time.", field="starts_at")
    if starts_at < timezone.now() - timedelta(days=1):
        raise InvalidInput("Sessions cannot be booked in the past.", field="starts_at")
    ends_at = starts_at + timedelta(minutes=duration)
    with transaction.atomic():
        lock_users([participant.pk, host.pk])
        other = _session_clash([participant.pk, host.pk], starts_at, ends_at)
        if other is not None:
            raise InvalidInput(
                f"Clashes with {other.participant} shadowing {other.host} "
                f"{_fmt(other.starts_at)}-{timezone.localtime(other.ends_at):%H:%M}.",
                field="starts_at",
            )
        busy = shift_clash(participant, starts_at, ends_at)
        if busy is not None:
            raise InvalidInput(
                f"Clashes with {participant}'s {busy.activity.lower()} shift "
                f"{_fmt(busy.start)}-{timezone.localtime(busy.end):%H:%M}.",
                field="starts_at",
            )
        return ShadowingSession.objects.create(
            participant=participant,
            host=host,
            host_area=host_area,
            starts_at=starts_at,
            duration_minutes=duration,
            ends_at=ends_at,
            created_by=by,
        )


def shadowing_reflect(*, session: ShadowingSession, by: User, reflection: str) -> ShadowingSession:
    """The participant or the host writes their reflection once the session has started;
    the session is then completed."""
    reflection = text(reflection, field="reflection", required=True, max_length=4000)
    if by.pk == session.participant_id:
        column = "participant_reflection"
    elif by.pk == session.host_id:
        column = "host_reflection"
    else:
        raise NotAllowed("Only the participant and the host reflect on a session.")
    if session.starts_at > timezone.now():
        raise InvalidInput("Reflect once the session has started.", field="reflection")
    updated = (
        ShadowingSession.objects.filter(pk=session.pk)
        .exclude(status=ShadowingStatus.CANCELLED)
        .update(**{column: reflection, "status": ShadowingStatus.COMPLETED})
    )
    if not updated:
        raise Conflict("This session was cancelled.")
    session.refresh_from_db()
    return session


def shadowing_cancel(*, session: ShadowingSession, by: User) -> ShadowingSession:
    if by.pk != session.participant_id and not manages(by, session.participant):
        raise NotAllowed("Only the participant, HR or their supervisor may cancel it.")
    updated = ShadowingSession.objects.filter(
        pk=session.pk, status=ShadowingStatus.SCHEDULED
    ).update(status=ShadowingStatus.CANCELLED)
    if not updated:
        raise Conflict("Only a scheduled session can be cancelled.")
    session.refresh_from_db()
    return session
