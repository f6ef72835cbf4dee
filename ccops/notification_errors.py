"""The notification settings' domain error (a form error on the page, a 400 in the API)."""


class InvalidPreference(Exception):
    def __init__(self, message: str, *, field: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field
