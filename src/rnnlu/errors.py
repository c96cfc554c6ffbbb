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


class Terminated(BaseException):
    """SIGTERM or SIGHUP arrived: unwind (so half-written files are removed) and exit 128 + signal."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def need_torch(command: str) -> None:
    """Training needs torch, an optional extra; say in one line how to add it."""
    import importlib.util

    if importlib.util.find_spec("torch") is None:
        raise RnnluError(f"`rnnlu {command}` trains networks and needs torch, which is not installed; "
                         "add it with: pip install \"rnnlu[train]\" (from a clone: pip install torch==2.13.0 -e \".[train]\")")
