"""`review import-cases FILE --codes-out PATH`."""

from __future__ import annotations

import argparse
import csv
import os
import sys
from pathlib import Path
from typing import Any

from review.core.commands import Command, run_with_db


def _codes_file(path: Path, *, force: bool) -> Any:
    """The access-code file, readable by its owner only (0600); an existing one only with --force."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if force else os.O_EXCL)
    fd = os.open(path, flags, 0o600)
    os.fchmod(fd, 0o600)  # also when --force took over a file made with other permissions
    return os.fdopen(fd, "w", encoding="utf-8", newline="")


def cmd_import_cases(args: argparse.Namespace) -> int:

    # lazy: the settings load only once the command runs (review.core.commands)
    from review.core import priority

    priority.lower()  # before the heavier imports below: a bulk import is background work from its start
    # lazy: after priority.lower(), so that loading them is background work too
    from review.cases.importing import import_cases
    from review.core.actors import Actor
    from review.core.errors import ServiceError

    if not args.codes_out:
        print("请用 --codes-out 指定保存新案件提取码的文件：提取码只在导入时生成一次，不显示、不写入日志，"
              "诉求人要凭它查询进度。", file=sys.stderr)
        return 2
    out = Path(args.codes_out)
    try:
        handle = _codes_file(out, force=args.force)
    except FileExistsError:
        print(f"{out} 已存在：为免覆盖此前导出的提取码，请换一个文件名（确需覆盖时加 --force）。", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"无法创建提取码文件 {out}：{error.strerror}", file=sys.stderr)
        return 2
    created = 0
    with handle:
        writer = csv.writer(handle)
        writer.writerow(["case_number", "access_code"])

        def keep(number: str, code: str) -> None:
            nonlocal created
            writer.writerow([number, code])
            handle.flush()
            created += 1

        try:
            reports = run_with_db(import_cases, Path(args.file), Actor(kind="hotline", username="import"),
                                  on_created=keep)
        except ServiceError as error:
            reports = None
            print(error.message, file=sys.stderr)
    if not created:
        out.unlink(missing_ok=True)  # no codes: leave no empty file behind
    if reports is None:
        return 1
    for report in reports:
        print(f"第 {report.row} 行：{'成功' if report.ok else '失败'}，{report.message}")
    failed = sum(1 for r in reports if not r.ok)
    print(f"共 {len(reports)} 行：成功 {len(reports) - failed}，失败 {failed}")
    print(f"新建案件 {created} 件，提取码已写入 {out}（仅本用户可读）。" if created else "没有新建案件，未写入提取码文件。")
    return 1 if failed else 0


def import_cases_arguments(imp: argparse.ArgumentParser) -> None:
    imp.add_argument("file")
    imp.add_argument("--codes-out", metavar="PATH",
                     help="新案件的「受理编号,提取码」写入此 CSV 文件（权限 0600；必填，提取码不会显示或写入日志）")
    imp.add_argument("--force", action="store_true", help="覆盖已存在的提取码文件")


COMMANDS = [
    Command("import-cases", "从 CSV、XLSX 或 JSON lines 文件导入案件", cmd_import_cases, import_cases_arguments),
]
