"""The exception tree that core raises and the UI turns into readable messages.

Every error a user can cause or fix is a ``DLLabError``; its message is written
for the person at the page, not for a developer reading a traceback.
"""


class DLLabError(Exception):
    """Base class: something the user should be told about in plain words.

    ``message`` is the English text. ``key`` and ``params``, when given, let a
    front end show the same message in another language from its own table.
    """

    def __init__(self, message: str, key: str | None = None, **params):
        super().__init__(message)
        self.message = message
        self.key = key
        self.params = params

    def __str__(self) -> str:
        return self.message


class InvalidInput(DLLabError):
    """A parameter is missing, of the wrong type or outside its allowed range."""

    def __init__(self, field: str, message: str, key: str | None = None, **params):
        super().__init__(message, key, **params)
        self.field = field


class ModelUnavailable(DLLabError):
    """A pretrained model cannot be loaded (not cached, hub unreachable, bad directory)."""


class ResourceLimit(DLLabError):
    """A request would exceed a configured size, count or time limit."""


class TrainingDiverged(DLLabError):
    """The loss became NaN or infinite; the curves recorded so far are still valid."""
