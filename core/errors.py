"""The exception tree that core raises and the UI turns into readable messages.

Every error a user can cause or fix is a ``DLLabError``, raised by key with the values
its message needs: ``ResourceLimit("csv_too_big", size="6.2", max="5")``. The English
text comes from ``core.messages.MESSAGES``; a front end shows the same key in another
language from its own table.
"""

from core.messages import render


class DLLabError(Exception):
    """Base class: something the user should be told about in plain words.

    ``key`` names the message in ``core.messages``, ``params`` fill its placeholders and
    ``message`` is the English text, written for the person at the page.
    """

    def __init__(self, key: str, **params):
        self.key = key
        self.params = params
        self.message = render(key, params)
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message

    def __reduce__(self):
        # Pickled as it is (a run on a Ray worker raises it in the web process): not rebuilt
        # from its message, which is not a key.
        return _restore, (type(self), self.__dict__)


def _restore(cls, state: dict) -> "DLLabError":
    error = cls.__new__(cls)
    error.__dict__.update(state)
    Exception.__init__(error, error.message)
    return error


class InvalidInput(DLLabError):
    """A parameter is missing, of the wrong type or outside its allowed range.

    ``field`` names the control or value at fault (``"Learning rate"``, ``"recipe"``).
    """

    def __init__(self, field: str, key: str, **params):
        self.field = field
        super().__init__(key, **params)


class ModelUnavailable(DLLabError):
    """A pretrained model cannot be loaded (not cached, hub unreachable, bad directory)."""


class ResourceLimit(DLLabError):
    """A request would exceed a configured size, count or time limit."""


class TrainingDiverged(DLLabError):
    """The loss became NaN or infinite; the curves recorded so far are still valid."""


class ClusterError(DLLabError):
    """A run on the Ray cluster could not finish: its worker died, or the cluster went away."""
