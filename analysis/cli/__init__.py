"""``python -m analysis COMMAND …``: indices (:mod:`analysis.cli.indices`) and the insight
commands ranking, change, below, priority, reliability, plan, figures
(:mod:`analysis.cli.insight`); see docs/analysis.md and docs/analysis-insight.md.

:func:`main` takes the arguments and returns the exit status, so it runs in-process as
well as behind ``python -m analysis``. Bad input ends with one line on stderr,
``error: FILE: line N: problem``, and exit status 2; never a traceback. Building the
parser loads no statistics (``--help`` stays fast): each command imports what it runs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from analysis.cli.common import Parser, UsageError
from analysis.cli.indices import add_indices_command
from analysis.cli.insight import add_insight_commands

__all__ = ["UsageError", "build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="python -m analysis", description="SIPAS satisfaction indices")
    sub = parser.add_subparsers(dest="command", required=True)
    add_indices_command(sub)
    add_insight_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return 0, 2 for bad input or usage, 1 for an internal error."""
    try:
        args = build_parser().parse_args(argv)
    except UsageError as exc:
        return _fail(str(exc), 2)
    except SystemExit as exc:  # --help: argparse exits; in-process, return its status
        return exc.code if isinstance(exc.code, int) else 0
    from analysis.io import InputError  # after parsing: --help loads no pandas

    try:
        args.handler(args)
        return 0
    except (InputError, UsageError) as exc:
        return _fail(str(exc), 2)
    except Exception as exc:  # noqa: BLE001 - the CLI contract forbids tracebacks
        return _fail(f"internal error ({type(exc).__name__}): {exc}", 1)


def _fail(message: str, status: int) -> int:
    print(f"error: {' '.join(message.split())}", file=sys.stderr)
    return status
