"""Domain errors of training. Views show the message; the API maps ``status_code``."""


class TrainingError(Exception):
    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, errors: dict | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.errors: dict[str, list[str]] = dict(errors or {})
        if field and field not in self.errors:
            self.errors[field] = [message]


class InvalidInput(TrainingError):
    status_code = 400
    code = "invalid"


class NotAllowed(TrainingError):
    status_code = 403
    code = "not_allowed"


class Conflict(TrainingError):
    status_code = 409
    code = "conflict"
