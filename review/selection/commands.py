"""`review verify-selection ID`: re-run a selection's draw from its published record and say whether it matches."""

from __future__ import annotations

import argparse
import sys

from review.core.commands import Command, run_with_db


def cmd_verify_selection(args: argparse.Namespace) -> int:
    # lazy: the settings load only once the command runs (review.core.commands)
    from review.core.errors import ServiceError
    from review.selection.services.verification import verify_selection

    try:
        _, _, verification = run_with_db(verify_selection, args.id)
    except ServiceError as error:
        print(error.message, file=sys.stderr)
        return 1
    for check in verification.checks:
        print(f"{'✓' if check.ok else '✗'} {check.message}")
        if check.detail:
            print(f"    {check.detail}")
    ok = verification.ok
    print(f"第 {args.id} 号选取记录{'复核通过' if ok else '复核未通过'}", file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 1


def verify_selection_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", type=int, help="选取记录编号（批量审查方案编号）")


COMMANDS = [
    Command("verify-selection", "按公开的选取记录重新抽样，核对结果、审计链中的种子登记与各案件的审查事件",
            cmd_verify_selection, verify_selection_arguments),
]
