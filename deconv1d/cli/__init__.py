"""The ``deconv1d`` command.

Each subcommand is a module of this package with two functions: ``add(subparsers)``
declares its arguments and ``run(args)`` does the work and returns the exit status.
"""

from __future__ import annotations

import argparse
import os
import sys

from . import demo, explain, port, verify, verify_model

__all__ = ["USER_ERRORS", "build_parser", "main"]

_COMMANDS = {"demo": demo, "explain": explain, "verify": verify, "port": port,
             "verify-model": verify_model}


#: What a user's request can raise, each mapped to exit status 2 with a one-line
#: message (never a traceback): bad arguments (TypeError, ValueError), files that
#: cannot be read or written (OSError), and sizes beyond this machine
#: (MemoryError, OverflowError).  Anything else is a bug and keeps its traceback.
USER_ERRORS = (TypeError, ValueError, OSError, MemoryError, OverflowError)


def _one_line(error: BaseException) -> str:
    """The error's message on one line (a MemoryError may have none)."""
    text = " ".join(str(error).split())
    if isinstance(error, MemoryError):
        return f"out of memory ({text or 'the request is too large for this machine'})"
    if isinstance(error, OverflowError):
        return f"a size is too large ({text})"
    return text or type(error).__name__


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``deconv1d`` command."""
    parser = argparse.ArgumentParser(
        prog="deconv1d",
        description="A pure-NumPy reference for the 1-D transposed convolution.")
    from .. import __version__

    parser.add_argument("--version", action="version", version=f"deconv1d {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for command in _COMMANDS.values():
        command.add(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``deconv1d`` command; returns the exit status.

    Parameters
    ----------
    argv : list of str, optional
        The arguments after ``deconv1d`` (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success; 1 when a check disagrees (``demo``, ``explain``,
        ``verify`` MISMATCH); 2 on an error (a bad argument, ``explain --plot``
        without matplotlib); 3 when ``verify`` says SUSPECT.

    Examples
    --------
    >>> main(["demo", "--kernel-size", "2"])  # doctest: +ELLIPSIS
    x = [1.0, 2.0, 3.0]   (N=1, L=3, C_in=1)
    ...
    max |difference| = 0: agree
    0
    """
    args = build_parser().parse_args(argv)
    try:
        return _COMMANDS[args.command].run(args)
    except BrokenPipeError:
        # The reader went away (`deconv1d explain ... | head`): stop quietly,
        # and keep Python from complaining again when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except USER_ERRORS as error:
        print(f"deconv1d {args.command}: error: {_one_line(error)}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
