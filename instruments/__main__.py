"""`python -m instruments check FILE...`: validate instrument files, one line per problem."""

from __future__ import annotations

import argparse
import sys

from instruments.loader import InstrumentError, load_instrument, shipped_instruments


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m instruments")
    sub = parser.add_subparsers(dest="cmd", required=True)
    check = sub.add_parser("check", help="validate files (default: every shipped instrument)")
    check.add_argument("files", nargs="*")
    args = parser.parse_args(argv)
    try:
        insts = [load_instrument(f) for f in args.files] if args.files else shipped_instruments()
    except InstrumentError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for inst in insts:
        print(f"ok {inst.key} ({len(inst.elements)} elements, {len(inst.items)} items, "
              f"{len(inst.questions) - len(inst.items)} other questions) {inst.checksum}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
