"""Domain errors of staffing. Views show the message; the API maps ``status_code``."""


class StaffingError(Exception):
    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, errors: dict | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.errors: dict[str, list[str]] = {k: list(v) for k, v in (errors or {}).items()}
        if field and field not in self.errors:
            self.errors[field] = [message]


class InvalidInput(StaffingError):
    status_code = 400
    code = "invalid"


class NotAllowed(StaffingError):
    status_code = 403
    code = "not_allowed"


class PlanLocked(StaffingError):
    """A published plan is read-only (copy it for a what-if)."""

    status_code = 409
    code = "plan_published"


class Overlap(StaffingError):
    """A shift would overlap another shift of the same agent."""

    status_code = 400
    code = "overlap"


class Conflict(StaffingError):
    """The record changed under the request (already decided, taken, or no balance left)."""

    status_code = 409
    code = "conflict"
