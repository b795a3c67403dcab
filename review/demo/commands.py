"""`review seed-demo [--cases N]` (`review demo`, which also serves, is review/cli.py's)."""

from __future__ import annotations

import argparse

from review.core.commands import Command, run_with_db


def print_logins() -> None:
    print(
        "\n演示账号（仅演示模式）：\n"
        "  评议办      office / demo-office\n"
        "  评议员      member01 … member30 / demo-member\n"
        "  部门联络员  liaison-<部门代码>（如 liaison-CDJT）/ demo-liaison\n"
        "  热线平台    X-API-Key: demo-hotline-key\n"
        "  诉求人      在 /track 输入受理编号和提取码（用 API 推送新案件时返回）\n"
    )


def cmd_seed_demo(args: argparse.Namespace) -> int:
    # lazy: the settings load only once the command runs (review.core.commands)
    from review.core import db
    from review.core import jobs as queue
    from review.demo.seeding import seed_demo

    async def go() -> None:
        await db.migrate()
        counts = await seed_demo(cases_count=args.cases)
        if counts:
            print("各阶段案件数：" + "，".join(f"{k} {v}" for k, v in counts.items()))
        print("正在生成评议意见书……")
        await queue.drain()

    run_with_db(go)
    print_logins()
    return 0


def seed_demo_arguments(seed: argparse.ArgumentParser) -> None:
    seed.add_argument("--cases", type=int, default=200)


COMMANDS = [
    Command("seed-demo", "载入成都演示数据", cmd_seed_demo, seed_demo_arguments),
]
