"""Domain errors of quality. Views show the message; the API maps ``status_code``."""


class QualityError(Exception):
    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, errors: dict | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        # {field or "answers.<criterion key>": [messages]}
        self.errors: dict[str, list[str]] = dict(errors or {})
        if field and field not in self.errors:
            self.errors[field] = [message]


class InvalidInput(QualityError):
    status_code = 400
    code = "invalid"


class NotAllowed(QualityError):
    status_code = 403
    code = "not_allowed"


class IllegalTransition(QualityError):
    status_code = 409
    code = "illegal_transition"


class Conflict(QualityError):
    status_code = 409
    code = "conflict"
