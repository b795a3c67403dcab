"""`review verify-draw ID [--round]`."""

from __future__ import annotations

import argparse
import sys

from review.core.commands import Command, run_with_db


def cmd_verify_draw(args: argparse.Namespace) -> int:
    # lazy: the settings load only once the command runs (review.core.commands)
    from panels.services import rounds
    from panels.services import verification as draws
    from review.core.errors import ServiceError
    from review.verdicts.queries import printed_panels

    draws.use_verdicts(printed_panels)  # each draw is held against the verdicts it is printed on

    try:
        if args.round:
            ok, problems = run_with_db(rounds.verify_round, args.id)
            lines = problems or [f"第 {args.id} 批：用公布的种子和名册快照重新运行，结果与各评议组一致"]
        else:
            _, verification = run_with_db(draws.verify_panel, args.id)
            ok = verification.ok
            lines = []
            for c in verification.checks:
                lines.append(f"{'✓' if c.ok else '✗'} {c.message}")
                # The office's detail names the members (by id) of each seat that differs.
                lines += [f"    {part}" for part in c.detail.split("；") if part]
    except ServiceError as error:
        print(error.message, file=sys.stderr)
        return 1
    for line in lines:
        print(line)
    print("复核通过" if ok else "复核未通过", file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 1


def verify_draw_arguments(verify: argparse.ArgumentParser) -> None:
    verify.add_argument("id", type=int, help="抽取记录编号（评议组编号）；加 --round 时为批次编号")
    verify.add_argument("--round", action="store_true", help="复核一整批批量组成")


COMMANDS = [
    Command("verify-draw", "重新运行评议组抽取并与记录核对", cmd_verify_draw, verify_draw_arguments),
]
