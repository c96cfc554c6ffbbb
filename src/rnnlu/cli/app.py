"""The `rnnlu` application: the Typer app every command module adds to, and the entry point that turns
known errors, signals and closed pipes into one line on stderr and an exit code (never a traceback)."""

from __future__ import annotations

import copy
import errno
import os
import signal
import sys
from typing import Annotated

import typer

from rnnlu import __version__
from rnnlu.errors import RnnluError, Terminated

app = typer.Typer(
    name="rnnlu",
    help="Read text the way gated recurrent networks do: sentiment, tags and fill-the-blank with pretrained "
    "BiGRU/LSTM models, each answer beside a word-count baseline.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool):
    if value:
        print(f"rnnlu {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")] = False):
    pass


_MAIN_PID = os.getpid()


def _on_signal(signum, frame):
    if os.getpid() != _MAIN_PID:  # a forked worker (parallel answering): end as the signal says, quietly
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return
    raise Terminated(signum)


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so that the exit's flush of a broken or full stdout stays quiet."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _os_error_line(e: OSError) -> str:
    if e.filename:
        return f"{e.filename}: {(e.strerror or str(e)).lower()}"
    if e.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO):
        return f"cannot write the output: {(e.strerror or str(e)).lower()}"
    return e.strerror or str(e)


def invoked_app(argv: list[str]) -> typer.Typer:
    """The app with only the command ``argv`` names, when it names one: typer builds the parameters of
    every registered command before it runs one (about 0.07 s for ten), and a one-text answer should
    not pay for nine it does not run. Help, --version and unknown commands get the whole app."""
    if not argv or argv[0].startswith("-"):
        return app
    only = [info for info in app.registered_commands
            if (info.name or typer.main.get_command_name(info.callback.__name__)) == argv[0]]
    if len(only) != 1:
        return app
    one = copy.copy(app)
    one.registered_commands = only
    return one


def main() -> None:
    """Entry point: run the app; turn known errors into one line on stderr and an exit code."""
    global _MAIN_PID
    from rnnlu.cli.help import decorated_command

    _MAIN_PID = os.getpid()
    for sig in (signal.SIGTERM, signal.SIGHUP):  # unwind, so that no half-written .part file stays
        if signal.getsignal(sig) == signal.SIG_DFL:
            signal.signal(sig, _on_signal)
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:  # Ctrl-C: click would exit silently
        signal.signal(signal.SIGINT, _on_signal)
    try:
        try:
            decorated_command(invoked_app(sys.argv[1:]))(standalone_mode=True)
        finally:
            sys.stdout.flush()  # a full disk behind stdout shows here, not as a traceback at exit
    except RnnluError as e:
        print(f"rnnlu: error: {e}", file=sys.stderr)
        sys.exit(e.exit_code)
    except BrokenPipeError:
        # The reader went away (`| head`) during the final flush: stop quietly, as cat and grep do. (Inside a
        # command click meets the closed pipe first and exits with 1, quietly too: the README's status.)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(128 + signal.SIGPIPE)
    except KeyboardInterrupt:
        print("rnnlu: interrupted", file=sys.stderr)
        sys.exit(130)
    except MemoryError:
        print("rnnlu: error: out of memory; use smaller batches or shorter texts", file=sys.stderr)
        sys.exit(1)
    except Terminated as e:
        from rnnlu.engine.modelfile import remove_live_parts

        remove_live_parts()
        what = "interrupted" if e.signum == signal.SIGINT else f"stopped by {signal.Signals(e.signum).name}"
        print(f"rnnlu: {what}", file=sys.stderr)
        sys.exit(128 + e.signum)
    except OSError as e:  # the last resort: one line, never a traceback
        try:
            sys.stdout.flush()
        except OSError:
            _quiet_stdout()
        print(f"rnnlu: error: {_os_error_line(e)}", file=sys.stderr)
        sys.exit(1)
