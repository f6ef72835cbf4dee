"""Domain errors of the workflow. Views show their message; the API maps ``status_code``."""


class WorkflowError(Exception):
    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(WorkflowError):
    status_code = 400
    code = "invalid"


class IllegalTransition(WorkflowError):
    status_code = 409
    code = "illegal_transition"


class StaleVersion(WorkflowError):
    status_code = 409
    code = "stale_version"


class NotAllowed(WorkflowError):
    status_code = 403
    code = "not_allowed"
