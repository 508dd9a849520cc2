"""The one exception type users see.

Anything raised as :class:`InputError` is a problem with what the user gave us
(a file, a name, a value). The CLI prints its message on one line and exits
with status 2; the Python API lets it propagate so notebooks show it plainly.
"""

from __future__ import annotations


class InputError(ValueError):
    """Bad input: the message names what is wrong and where."""

    def __init__(self, message: str, where: str | None = None) -> None:
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}" if where else message)


class NotFound(InputError):
    """Bad input that names something that does not exist (a scenario, a job, a file).

    The CLI treats it as any bad input; the web API answers 404 instead of 422.
    """
