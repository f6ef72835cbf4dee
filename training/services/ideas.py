"""The idea board: submit, review (submitted -> under review -> accepted -> implemented, or
declined), and points for the authors of implemented ideas, awarded exactly once."""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from ccops.choices import Office
from ccops.models import User

from ..choices import IDEA_TRANSITIONS, IdeaStatus, RecognitionKind
from ..errors import Conflict, InvalidInput, NotAllowed
from ..models import Idea, Recognition
from .common import choice, integer, is_manager, text


def idea_submit(
    *,
    by: User,
    title: str,
    description: str,
    office: str = "",
    co_authors: Iterable[User] = (),
) -> Idea:
    """Anyone with a role may put an idea on the board, with co-authors from either office."""
    if not by.role_names and not by.is_superuser:
        raise NotAllowed("You need a role to submit ideas.")
    title = text(title, field="title", required=True, max_length=150)
    description = text(description, field="description", required=True, max_length=5000)
    if office and office not in Office.values:
        raise InvalidInput("Choose front, back or leave blank.", field="office")
    others = [u for u in co_authors if u.pk != by.pk]
    if any(not u.is_active for u in others):
        raise InvalidInput("Co-authors must be active people.", field="co_authors")
    with transaction.atomic():
        idea = Idea.objects.create(
            title=title, description=description, office=office, submitted_by=by
        )
        if others:
            idea.co_authors.set(others)
    return idea


def idea_transition(*, idea: Idea, to_status: str, by: User, notes: str = "", points=None) -> Idea:
    """HR or a supervisor moves an idea along the board. The move is a conditional update
    on the status the reviewer saw, so two reviewers cannot both move it. Declining needs a
    reason; implementing awards the authors their points (once)."""
    if not is_manager(by):
        raise NotAllowed("Only HR or supervisors review ideas.")
    to_status = choice(to_status, IdeaStatus, field="status")
    notes = text(notes, field="reviewer_notes", max_length=4000)
    if to_status not in IDEA_TRANSITIONS[idea.status]:
        raise InvalidInput(
            f"A {idea.get_status_display().lower()} idea cannot become "
            f"{IdeaStatus(to_status).label.lower()}.",
            field="status",
        )
    if to_status == IdeaStatus.DECLINED and not notes:
        raise InvalidInput("Say why the idea is declined.", field="reviewer_notes")
    now = timezone.now()
    changes = {"status": to_status, "reviewer": by, "updated_at": now}
    if notes:
        stamp = f"[{timezone.localtime(now):%Y-%m-%d} {by}] {notes}"
        changes["reviewer_notes"] = (
            f"{idea.reviewer_notes}\n{stamp}" if idea.reviewer_notes else stamp
        )
    if points not in (None, ""):
        changes["points"] = integer(points, field="points", low=1, high=500)
    if to_status in (IdeaStatus.ACCEPTED, IdeaStatus.DECLINED):
        changes["decided_at"] = now
    if to_status == IdeaStatus.IMPLEMENTED:
        changes["implemented_at"] = now
    with transaction.atomic():
        updated = Idea.objects.filter(pk=idea.pk, status=idea.status).update(**changes)
        if not updated:
            raise Conflict("Someone else moved this idea meanwhile; reload it.", field="status")
        idea.refresh_from_db()
        if to_status == IdeaStatus.IMPLEMENTED:
            idea_award_points(idea=idea)
    return idea


def idea_award_points(*, idea: Idea) -> int:
    """Award each author of an implemented idea its points. Safe to re-run: the unique key
    (idea, agent) and the lock on the idea row mean an author is paid once. Returns the
    number of new awards."""
    with transaction.atomic():
        idea = Idea.objects.select_for_update().get(pk=idea.pk)
        if idea.status != IdeaStatus.IMPLEMENTED:
            raise InvalidInput("Only implemented ideas earn points.", field="status")
        authors = {idea.submitted_by_id, *idea.co_authors.values_list("pk", flat=True)}
        authors = set(
            User.objects.filter(pk__in=authors, is_active=True).values_list("pk", flat=True)
        )
        paid = set(Recognition.objects.filter(idea=idea).values_list("agent_id", flat=True))
        new = [
            Recognition(
                agent_id=agent_id,
                points=idea.points,
                kind=RecognitionKind.IDEA_IMPLEMENTED,
                reason=f"Idea implemented: {idea.title}"[:300],
                given_by=idea.reviewer if idea.reviewer_id != agent_id else None,
                idea=idea,
            )
            for agent_id in sorted(authors - paid)
        ]
        Recognition.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)
