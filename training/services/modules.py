"""Training modules and enrollments, including the built-in new-hire module and its quiz."""

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from ccops.choices import Office, Role
from ccops.models import User

from .. import newhire
from ..choices import EnrollmentStatus, ModuleKind
from ..errors import Conflict, InvalidInput, NotAllowed
from ..models import Enrollment, TrainingModule
from .common import (
    choice,
    integer,
    manages,
    new_hire_days,
    require_agent,
    require_hr,
    text,
    today,
)
from .tiers import agent_tier_recompute


def module_create(
    *,
    by: User,
    title: str,
    kind: str,
    duration_minutes,
    pass_mark=80,
    office: str = "",
    required_for_new_hires: bool = False,
    description: str = "",
) -> TrainingModule:
    require_hr(by, "add training modules")
    title = text(title, field="title", required=True, max_length=150)
    kind = choice(kind, ModuleKind, field="kind")
    if office and office not in Office.values:
        raise InvalidInput("Choose front, back or leave blank.", field="office")
    duration = integer(duration_minutes, field="duration_minutes", low=5, high=2400)
    pass_mark = integer(pass_mark, field="pass_mark", low=0, high=100)
    if TrainingModule.objects.filter(title__iexact=title).exists():
        raise InvalidInput(f"A module titled {title} exists.", field="title")
    base = slugify(title)[:50] or "module"
    slug, n = base, 1
    while TrainingModule.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    try:
        with transaction.atomic():
            return TrainingModule.objects.create(
                title=title,
                slug=slug,
                kind=kind,
                office=office,
                duration_minutes=duration,
                pass_mark=pass_mark,
                required_for_new_hires=bool(required_for_new_hires),
                description=text(description, field="description"),
            )
    except IntegrityError:
        raise Conflict(f"A module titled {title} was just added.", field="title")


def newhire_module() -> TrainingModule:
    """The built-in workflow module for new hires, created on first use."""
    module, _ = TrainingModule.objects.get_or_create(
        slug=newhire.SLUG,
        defaults={
            "title": newhire.TITLE,
            "kind": ModuleKind.ELEARNING,
            "duration_minutes": newhire.DURATION_MINUTES,
            "pass_mark": newhire.PASS_MARK,
            "required_for_new_hires": True,
            "description": newhire.DESCRIPTION,
        },
    )
    return module


def enrollment_create(*, agent: User, module: TrainingModule, by: User) -> Enrollment:
    """Enrol ``agent`` (by HR or their supervisor; an agent may enrol themselves in an
    e-learning module). A withdrawn enrollment is reopened; any other is a conflict."""
    self_service = by.pk == agent.pk and module.kind == ModuleKind.ELEARNING
    if not self_service and not manages(by, agent):
        raise NotAllowed(f"Only HR or {agent}'s supervisor may enrol them.")
    require_agent(agent, field="agent")
    if not module.active:
        raise InvalidInput(f"{module} is retired.", field="module")
    with transaction.atomic():
        reopened = Enrollment.objects.filter(
            agent=agent, module=module, status=EnrollmentStatus.WITHDRAWN
        ).update(status=EnrollmentStatus.ENROLLED, enrolled_by=by, enrolled_on=today())
        if reopened:
            return Enrollment.objects.get(agent=agent, module=module)
        try:
            with transaction.atomic():
                return Enrollment.objects.create(agent=agent, module=module, enrolled_by=by)
        except IntegrityError:
            raise Conflict(f"{agent} is already enrolled in {module}.", field="module")


def _score(value) -> Decimal:
    try:
        score = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidInput("Score must be a number.", field="score")
    if not score.is_finite() or not Decimal(0) <= score <= Decimal(100):
        raise InvalidInput("Score must be between 0 and 100.", field="score")
    return score.quantize(Decimal("0.01"))


def enrollment_record_result(
    *, enrollment: Enrollment, score, by: User, completed_on: date | None = None
) -> Enrollment:
    """Record an attempt: at or above the pass mark completes the module (and can make the
    agent ready for a tier); below it fails (the agent may try again). A completed module
    is final: a second result is a conflict, so a double submit never counts twice."""
    _may_record(enrollment, by)
    score = _score(score)
    on = completed_on or today()
    if on > today():
        raise InvalidInput("Completion cannot be in the future.", field="completed_on")
    passed = score >= enrollment.module.pass_mark
    status = EnrollmentStatus.COMPLETED if passed else EnrollmentStatus.FAILED
    with transaction.atomic():
        updated = (
            Enrollment.objects.filter(pk=enrollment.pk)
            .exclude(status__in=[EnrollmentStatus.COMPLETED, EnrollmentStatus.WITHDRAWN])
            .update(
                status=status,
                score=score,
                attempts=F("attempts") + 1,
                completed_on=on if passed else None,
                updated_at=timezone.now(),
            )
        )
        if not updated:
            current = Enrollment.objects.get(pk=enrollment.pk).get_status_display().lower()
            raise Conflict(f"This enrollment is {current}: no result can be recorded.")
        if passed:
            agent_tier_recompute(agent=enrollment.agent, by=by)
    enrollment.refresh_from_db()
    return enrollment


def _may_record(enrollment: Enrollment, by: User) -> None:
    if by.pk == enrollment.agent_id:
        raise NotAllowed("You cannot record your own result.")
    if not manages(by, enrollment.agent):
        raise NotAllowed(f"Only HR or {enrollment.agent}'s supervisor may record results.")


def enrollment_withdraw(*, enrollment: Enrollment, by: User) -> Enrollment:
    if not manages(by, enrollment.agent):
        raise NotAllowed(f"Only HR or {enrollment.agent}'s supervisor may withdraw them.")
    updated = (
        Enrollment.objects.filter(pk=enrollment.pk)
        .exclude(status=EnrollmentStatus.COMPLETED)
        .update(status=EnrollmentStatus.WITHDRAWN, updated_at=timezone.now())
    )
    if not updated:
        raise Conflict("A completed module cannot be withdrawn.")
    enrollment.refresh_from_db()
    return enrollment


def newhire_quiz_submit(*, agent: User, answers: dict[str, str]) -> Enrollment:
    """An agent takes the new-hire module's quiz: their enrollment is created if needed and
    their score recorded. Passing completes the module; failing may be retried."""
    require_agent(agent, field="agent")
    missing = newhire.unanswered(answers)
    if missing:
        raise InvalidInput(
            "Answer every question.", errors={key: ["Choose an answer."] for key in missing}
        )
    module = newhire_module()
    score = Decimal(newhire.score(answers))
    passed = score >= module.pass_mark
    status = EnrollmentStatus.COMPLETED if passed else EnrollmentStatus.FAILED
    with transaction.atomic():
        enrollment, _ = Enrollment.objects.get_or_create(
            agent=agent, module=module, defaults={"enrolled_by": agent}
        )
        updated = (
            Enrollment.objects.filter(pk=enrollment.pk)
            .exclude(status=EnrollmentStatus.COMPLETED)
            .update(
                status=status,
                score=score,
                attempts=F("attempts") + 1,
                completed_on=today() if passed else None,
                updated_at=timezone.now(),
            )
        )
        if not updated:
            raise Conflict("You have already passed this module.")
        if passed:
            agent_tier_recompute(agent=agent, by=agent)
    enrollment.refresh_from_db()
    return enrollment


def enroll_new_hires(*, on: date | None = None) -> int:
    """Enrol agents hired in the last ``NEW_HIRE_DAYS`` in every module required for new
    hires (idempotent: the unique key skips existing enrollments). Returns rows created."""
    on = on or today()
    newhire_module()
    modules = list(
        TrainingModule.objects.filter(required_for_new_hires=True, active=True).values_list(
            "pk", flat=True
        )
    )
    hires = list(
        User.objects.filter(
            is_active=True,
            groups__name=Role.AGENT,
            hire_date__gt=on - timedelta(days=new_hire_days()),
        ).values_list("pk", flat=True)
    )
    have = set(
        Enrollment.objects.filter(agent_id__in=hires, module_id__in=modules).values_list(
            "agent_id", "module_id"
        )
    )
    rows = [
        Enrollment(agent_id=a, module_id=m, enrolled_on=on)
        for a in hires
        for m in modules
        if (a, m) not in have
    ]
    Enrollment.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)
