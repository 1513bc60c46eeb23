"""The root of Asamblea's domain errors, and where they map to CLI exit codes.

Pure module (no Django import) so that the counting engine and the record
verifier can raise errors the CLI knows how to report. Each error carries a
message written for the person who caused it: what was wrong, what to do.

Exit codes: 2 bad input (a file, an argument), 3 not allowed, 4 not found,
5 conflict with the current state (e.g. a double submit), 6 verification failed,
7 too many requests (a rate limit; the web and the API answer it, the CLI has none).
"""

from __future__ import annotations

from datetime import datetime


class AsambleaError(Exception):
    """A failure the user can understand and act on; never shown as a traceback."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InvalidInput(AsambleaError):
    """Input that does not have the expected shape (a file, a form, an argument)."""

    exit_code = 2


class InvalidFile(InvalidInput):
    """A malformed input file; names the file line and what was expected there."""

    def __init__(self, message: str, *, line: int | None = None, path: str | None = None) -> None:
        where = ""
        if path is not None and line is not None:
            where = f"{path}, line {line}: "
        elif line is not None:
            where = f"line {line}: "
        elif path is not None:
            where = f"{path}: "
        super().__init__(where + message)
        self.line = line
        self.path = path
        self.detail = message


class PermissionDenied(AsambleaError):
    """The acting user has no right to do this here."""

    exit_code = 3


class SecondFactorNeeded(PermissionDenied):
    """The user holds the role, but this login has not given its second factor."""


class NotFound(AsambleaError):
    """The thing named does not exist (or the user may not know that it does)."""

    exit_code = 4


class Conflict(AsambleaError):
    """The action does not fit the current state (already done, closed, ...)."""

    exit_code = 5


class FormAlreadySent(Conflict):
    """A one-time form sent again after it was done (`asamblea.web.once`). `token` is the
    form's token and `used_at` when it was used (None if this server never saw it used):
    a secret ballot's form may answer with the receipt of the ballot it cast."""

    def __init__(self, message: str, *, token: str, used_at: datetime | None) -> None:
        super().__init__(message)
        self.token = token
        self.used_at = used_at


class VerificationFailed(AsambleaError):
    """An independent check (of the public record, of a count) did not pass."""

    exit_code = 6


class NotSetUp(AsambleaError):
    """The database has no tables yet, or is behind this version of Asamblea."""

    exit_code = 8


class DataKeyError(AsambleaError):
    """The data key is missing, malformed or not the one the data was encrypted with."""


class TooManyRequests(AsambleaError):
    """Too many requests from one address or token in a while; try again later."""

    exit_code = 7

    def __init__(self, message: str, *, retry_after: int = 60) -> None:
        super().__init__(message)
        # Seconds until the limit's window ends (the HTTP Retry-After header).
        self.retry_after = max(1, retry_after)


def exit_code_for(error: BaseException) -> int | None:
    """The CLI exit code for a known error, or None for a bug (let it raise)."""
    if isinstance(error, AsambleaError):
        return error.exit_code
    return None


def user_message_for(error: BaseException) -> str:
    return str(error)


class InvalidField(InvalidInput):
    """Bad input in one field of a form (`field` names it), so the page shows it there."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field
