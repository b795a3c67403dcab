"""`review import-figures FILE`: the hotline's base figures (基础数据) from a CSV or XLSX table."""

from __future__ import annotations

import argparse
from pathlib import Path

from review.core.commands import Command, run_import


def cmd_import_figures(args: argparse.Namespace) -> int:
    # lazy: the settings load only once the command runs (review.core.commands)
    from review.assessments.services.imports import load_file
    from review.core.actors import Actor

    report = run_import(load_file, Path(args.file), actor=Actor(kind="office", username="cli"), source="cli")
    if report is None:
        return 1
    replaced = f"，其中 {report.replaced} 条替换了此前导入的数据（原数据保留）" if report.replaced else ""
    print(f"已导入 {report.imported} 条基础数据（期间 {'、'.join(report.periods)}）{replaced}。")
    return 0


def import_figures_arguments(imp: argparse.ArgumentParser) -> None:
    imp.add_argument("file", help="CSV（UTF-8 或 GBK）或 XLSX；列：部门编码、期间、受理量、回复量、解决量、评价量、"
                                  "满意、基本满意、不满意、超期、平均回复工作日（或对应的英文列名）")


COMMANDS = [
    Command("import-figures", "导入热线平台的基础数据（各部门各期间的受理量、满意量等）", cmd_import_figures,
            import_figures_arguments),
]
