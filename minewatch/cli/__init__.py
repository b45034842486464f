"""The command line: options in, one library call, output rendered, an exit code out.

Every MinewatchError is mapped to one line on stderr and its exit code in `main()`; the
commands live in the modules imported below, each registering on the shared app.
"""

from __future__ import annotations

import errno
import os
import re
import signal
import sqlite3
import sys
from typing import NoReturn

import typer
from typer._click.exceptions import NoArgsIsHelpError  # typer ships click inside

from minewatch.cli import core, feeds, reports, watch  # noqa: F401  (they register commands)
from minewatch.cli.common import app, close_stores
from minewatch.errors import MinewatchError
from minewatch.textclean import terminal_safe

__all__ = ["app", "main", "run"]

_UNDECODED = re.compile("[\udc80-\udcff]")
INTERRUPTED = 130  # the shell's code for a command stopped by Ctrl-C (128 + SIGINT)
TERMINATED = 143  # 128 + SIGTERM
_FULL_OR_FAILING = (errno.ENOSPC, errno.EDQUOT, errno.EIO)  # database errors come as sqlite3's
# Paths the system refuses to look up, wherever a command first touches them (`--db`,
# `--feeds`, a file to import): a name over its length limit, or a loop of symbolic links.
_UNUSABLE_PATHS = (errno.ENAMETOOLONG, errno.ELOOP)


def main() -> None:
    """Run the app; map errors to one line and an exit code, never a traceback."""
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        _run()
    finally:
        close_stores()
        signal.signal(signal.SIGTERM, previous)  # main() may run inside a longer program


def run() -> NoReturn:
    """The `minewatch` program: main(), then out of the process at once.

    Once the last line is written there is nothing left to do but free memory the system takes
    back whole: a poll leaves hundreds of thousands of objects behind (the parsed tables, the
    clusterer's features), and freeing them one by one took a quarter of a second after the
    summary was out. main() itself stays an ordinary function, for callers inside a program.

    A terminal or pipe whose encoding cannot show a character (PYTHONIOENCODING=ascii, a
    Latin-1 locale) gets "?" for it rather than a failed command.

    httpx imports its own command-line client (and pygments with it) whenever its extras
    happen to be installed, as they are beside sqlite-utils and typer; the program never runs
    it, and declining that import saves every poll about 20 ms of its start."""
    sys.modules.setdefault("httpx._main", None)  # httpx falls back to a stub on ImportError
    for stream in (sys.stdout, sys.stderr):
        if stream is not None and getattr(stream, "errors", None) == "strict":
            stream.reconfigure(errors="replace")  # type: ignore[union-attr]
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = _exit_code(exc.code)
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except OSError as exc:  # a full disk or a closed pipe behind the last lines
            if stream is sys.stdout and not isinstance(exc, BrokenPipeError):
                os.write(2, f"{_output_trouble(exc)}\n".encode())
            code = code or 1
    os._exit(code)


def _path_shown(path: object) -> str:
    """A path for an error line: shortened, and nothing in it that a terminal would act on."""
    text = terminal_safe(os.fsdecode(path) if isinstance(path, str | bytes) else str(path))
    return text if len(text) <= 80 else f"{text[:60]}...{text[-17:]}"


def _output_trouble(exc: OSError) -> str:
    """The line for output that could not be written (a full disk behind a redirection)."""
    return f"minewatch: cannot write the output: {exc.strerror}"


def _exit_code(code: object) -> int:
    """What the process exits with for sys.exit(code), as the interpreter would have it."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def _on_sigterm(signum: int, frame: object) -> None:
    """SIGTERM (a service manager, `timeout` in a crontab, kill) ends the run at once, with
    one line. Nothing is lost: every transaction commits whole or not at all, as under
    SIGKILL, and the workers die with the poll. Unwinding instead would wait on workers
    that may be dying from the same signal (a service manager signals every process)."""
    os.write(sys.stderr.fileno(), b"minewatch: stopped by SIGTERM (what was stored before stays)\n")
    os._exit(TERMINATED)


def _run() -> None:
    try:
        code = app(standalone_mode=False)
    except NoArgsIsHelpError as exc:  # `minewatch` alone: the help is the answer
        typer.echo(exc.format_message())
        sys.exit(0)
    except typer.TyperException as exc:  # a wrong option or value: one line, and where to look
        ctx = getattr(exc, "ctx", None)
        where = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
        message = " ".join(exc.format_message().split())
        typer.echo(f"minewatch: {message}{where}", err=True)
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo("minewatch: interrupted", err=True)
        sys.exit(INTERRUPTED)
    except MinewatchError as exc:
        typer.echo(f"minewatch: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        typer.echo("minewatch: interrupted", err=True)
        sys.exit(INTERRUPTED)
    except sqlite3.DatabaseError as exc:  # the disk, a damaged file, or a program holding it
        typer.echo(f"minewatch: {_database_trouble(exc)}", err=True)
        sys.exit(1)
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(1)
    except Exception as exc:  # the one catch-all: a bug, reported in one line
        if isinstance(exc, UnicodeEncodeError) and _UNDECODED.search(str(exc.object)):
            # Not a bug: an argument with bytes the terminal's encoding could not decode
            # (Python keeps them as lone surrogates) reached the database or an output
            typer.echo(f"minewatch: {exc.object!r} is not valid UTF-8 text", err=True)
            sys.exit(2)
        if isinstance(exc, OSError) and exc.errno in _FULL_OR_FAILING:  # the output's disk
            typer.echo(_output_trouble(exc), err=True)
            sys.exit(1)
        if isinstance(exc, OSError) and exc.errno in _UNUSABLE_PATHS:  # a path given to us
            typer.echo(f"minewatch: {_path_shown(exc.filename)}: {exc.strerror}", err=True)
            sys.exit(2)
        if os.environ.get("MINEWATCH_DEBUG"):
            raise
        typer.echo(f"minewatch: internal error: {exc!r} (MINEWATCH_DEBUG=1 shows more)", err=True)
        sys.exit(1)
    if code == INTERRUPTED:  # typer turns Ctrl-C inside a command into this code, silently
        typer.echo("minewatch: interrupted", err=True)
    sys.exit(code if isinstance(code, int) else 0)


def _database_trouble(exc: sqlite3.DatabaseError) -> str:
    """One line for a database that could not be used: locked past the busy timeout by
    another program, a disk that failed (what was committed before stays whole), or a file
    damaged from outside (a disk fault, a copy taken mid-write)."""
    message = str(exc)
    if "locked" in message or "busy" in message:
        return "the database stayed locked by another program for 30 s; nothing was half-written"
    if "malformed" in message or "not a database" in message:
        return (f"the database file is damaged ({message}): restore a backup, or salvage what "
                "it holds with `sqlite3 FILE .recover`")
    return f"database error: {message}"
