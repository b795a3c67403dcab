"""`review import-roster FILE`."""

from __future__ import annotations

import argparse
from pathlib import Path

from review.core.commands import Command, run_import


def cmd_import_roster(args: argparse.Namespace) -> int:
    # lazy: the settings load only once the command runs (review.core.commands)
    from panels.services.roster import import_roster
    from review.core.actors import Actor

    report = run_import(import_roster, path=Path(args.file), actor=Actor(kind="office", username="import"),
                        nothing="本次未导入任何评议员")
    if report is None:
        return 1
    print(f"已导入 {report.imported} 名评议员。")
    return 0


def import_roster_arguments(roster: argparse.ArgumentParser) -> None:
    roster.add_argument("file")


COMMANDS = [
    Command("import-roster", "从 CSV 或 XLSX 文件导入评议员（有误则整批不导入）", cmd_import_roster,
            import_roster_arguments),
]
