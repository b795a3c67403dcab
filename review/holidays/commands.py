"""`review holidays import FILE` and `review holidays list YEAR`."""

from __future__ import annotations

import argparse
from pathlib import Path

from review.core.commands import Command, run_import, run_with_db
from review.core.workdays import KIND_LABELS, STATUS_LABELS

YEAR_STATUS_LABELS = {**STATUS_LABELS, "missing": "未载入（按暂定规则计算）"}


def cmd_import(args: argparse.Namespace) -> int:
    # lazy: the settings load only once the command runs (review.core.commands)
    from review.core.actors import Actor
    from review.holidays.importing import load_file

    report = run_import(
        load_file,
        path=Path(args.file),
        actor=Actor(kind="office", username="cli"),
        source=args.source,
        year=args.year,
        status="provisional" if args.provisional else "official",
        verb="载入",
        nothing="本次未写入任何日期",
    )
    if report is None:
        return 1
    print(
        f"已载入 {report.year} 年节假日安排 {report.loaded} 天（{'暂定' if args.provisional else '正式'}）。"
    )
    for change in report.changes:
        mark = "（仍为暂定）" if change["provisional"] else ""
        print(f"重新计算：{change['label']} {change['old']} → {change['new']}{mark}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    # lazy: the settings load only once the command runs (review.core.commands)
    from review.holidays.services import year_table

    table = run_with_db(year_table, args.year)
    print(
        f"{table.year} 年：{YEAR_STATUS_LABELS[table.status]}"
        + (f"，来源 {'、'.join(table.sources)}" if table.sources else "")
    )
    for day in table.days:
        print(f"{day['day'].isoformat()}\t{KIND_LABELS.get(day['kind'], day['kind'])}\t{day['name']}")
    return 0


def cmd_holidays(args: argparse.Namespace) -> int:
    return int(args.holidays_fn(args) or 0)


def holidays_arguments(holidays: argparse.ArgumentParser) -> None:
    inner = holidays.add_subparsers(dest="holidays_command", required=True)
    imp = inner.add_parser(
        "import", help="从 CSV 或 XLSX 载入一年的放假与调休上班日期（列：日期、类型、名称）"
    )
    imp.add_argument("file")
    imp.add_argument("--source", default="国务院办公厅通知", help="来源，如国务院办公厅通知及其文号")
    imp.add_argument("--year", type=int, help="通知所属年份（默认取表中最多的年份）")
    imp.add_argument("--provisional", action="store_true", help="在通知发布前先行录入，按暂定处理")
    imp.set_defaults(holidays_fn=cmd_import)
    show = inner.add_parser("list", help="列出某年的节假日安排")
    show.add_argument("year", type=int)
    show.set_defaults(holidays_fn=cmd_list)


COMMANDS = [
    Command("holidays", "节假日安排：载入国务院通知、查看某年", cmd_holidays, holidays_arguments),
]
