"""The command line: the month's payroll written to a CSV (and its KPI lines to another), and
optionally compared with kefu's warehouse."""

from __future__ import annotations

import argparse
from decimal import Decimal
from pathlib import Path

from . import __doc__ as package_doc
from .comparison import compare
from .pay import payroll

# --- command line ----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=package_doc.split("\n\n")[0])
    parser.add_argument("--landing", type=Path, required=True)
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--month", required=True, help="YYYY-MM")
    parser.add_argument("--out", type=Path, required=True, help="payroll CSV to write")
    parser.add_argument("--lines", type=Path, help="also write the KPI lines to this CSV")
    parser.add_argument("--compare", type=Path, metavar="WAREHOUSE",
                        help="compare the result with kefu's DuckDB warehouse")
    args = parser.parse_args(argv)
    pay, lines = payroll(args.landing, args.config, args.month)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    pay.to_csv(args.out, index=False)
    if args.lines:
        lines.to_csv(args.lines, index=False)
    print(f"{len(pay)} employees, gross pay {sum(pay['gross_pay'], Decimal('0.00'))} -> "
          f"{args.out}")
    if args.compare:
        matched, total, problems = compare(args.out, args.compare, args.lines)
        print(f"matches kefu: {matched}/{total}")
        for problem in problems:
            print(f"  {problem}")
        return 0 if matched == total else 1
    return 0
