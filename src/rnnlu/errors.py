"""Errors that reach the user as one clear line (never a traceback)."""


class RnnluError(Exception):
    """A problem with the user's input or environment. ``exit_code`` 1 = bad data, 2 = bad usage."""

    exit_code = 1

    def __init__(self, message: str, exit_code: int | None = None):
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(RnnluError):
    """The command line itself is wrong (exit code 2)."""

    exit_code = 2
