"""The `review` command: its parser is built from every package's COMMANDS, gathered here and nowhere else.
Its own commands run the application: demo, serve, worker, migrate."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from panels import commands as panels_commands
from review.accounts import commands as accounts_commands
from review.assessments import commands as assessments_commands
from review.cases import commands as cases_commands
from review.convening import commands as convening_commands
from review.core.audit import commands as audit_commands
from review.core.commands import Command, before_each, run_with_db
from review.demo import commands as demo_commands
from review.holidays import commands as holidays_commands
from review.selection import commands as selection_commands


def _pdf_environment_ok() -> bool:
    """Verdict PDFs need a CJK font and the HarfBuzz subsetter: say exactly what to install if not."""
    # lazy: WeasyPrint loads only for the commands that render or serve
    from review.verdicts.render import check_pdf_environment

    problems = check_pdf_environment()
    for problem in problems:
        print(f"环境检查：{problem}", file=sys.stderr)
    if problems:
        print("在 Debian/Ubuntu 上：sudo apt-get install fonts-noto-cjk fonts-arphic-ukai libharfbuzz-subset0 fontconfig", file=sys.stderr)
    return not problems


def cmd_migrate(args: argparse.Namespace) -> int:
    # lazy: the settings load only once the command runs (review.core.commands)
    from review.core import db

    async def go() -> None:
        await db.migrate()
        # lazy: as above
        from review.demo.seeding import seed_reference

        await seed_reference()

    run_with_db(go)
    print("数据库已是最新结构。")
    return 0 if _signing_ready() else 3


def _signing_ready() -> bool:
    """The office's signing key and certificate exist (a demonstration pair is made when none is configured)."""
    # lazy: the settings load only once the command runs (review.core.commands)
    from review.verdicts import signing as verdict_signing

    try:
        material = verdict_signing.ensure_signing_material()
    except verdict_signing.SigningError as exc:
        print(f"意见书签名证书不可用：{exc}", file=sys.stderr)
        return False
    if material.created:
        print(f"已生成评议办的演示签名证书：{material.cert}（私钥 {material.key}，仅本机可读）")
    return True


def cmd_demo(args: argparse.Namespace) -> int:
    data_dir = Path(args.data_dir).resolve()
    os.environ["REVIEW_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{data_dir / 'demo.db'}")
    os.environ["REVIEW_DEMO"] = "1"
    os.environ["COOKIE_SECURE"] = "0"  # plain HTTP on this machine only
    os.environ.setdefault("PUBLIC_BASE_URL", f"http://{args.host}:{args.port}")
    os.environ.pop("REDIS_URL", None)  # the demo runs its jobs in-process
    if not _pdf_environment_ok():
        return 3
    # lazy: only now that the environment above is set, for the settings to read it
    from review.core import db
    from review.demo.seeding import seed_demo

    async def go() -> None:
        await db.migrate()
        await seed_demo(cases_count=args.cases)

    print(f"数据目录：{data_dir}")
    run_with_db(go)
    if not _signing_ready():
        return 3
    demo_commands.print_logins()
    print(f"打开 http://{args.host}:{args.port}/ （Ctrl+C 退出）")
    return _serve(args.host, args.port, workers=1)


# How `serve` and `demo` run uvicorn. It believes no forwarded headers itself: the app judges them against
# FORWARDED_ALLOW_IPS (review/web/client_address.py), the same under uvicorn as under any ASGI server. A WebSocket
# frame larger than ws_max_size is refused by uvicorn itself (1009) before it is buffered; the room's own, smaller
# limit (MEDIATION_SOCKET_MAX_FRAME) closes the rest.
SERVER_OPTIONS: dict[str, Any] = {"log_level": "warning", "access_log": False, "proxy_headers": False,
                                  "ws_max_size": 65536}


def _serve(host: str, port: int, workers: int) -> int:
    # lazy: the server loads only for the commands that serve
    import uvicorn

    uvicorn.run("review.app:app", host=host, port=port, workers=workers, **SERVER_OPTIONS)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    if not _pdf_environment_ok():
        return 3
    return _serve(args.host, args.port, args.workers)


def cmd_worker(args: argparse.Namespace) -> int:
    # lazy: the settings load only once the command runs (review.core.commands)
    from review.core import settings

    if not settings.REDIS_URL:
        print("未设置 REDIS_URL：后台任务在 `review serve` 进程内运行，无需单独的 worker。", file=sys.stderr)
        return 2
    # lazy: arq and the jobs load only in a worker
    import logging.config

    from arq.logs import default_log_config
    from arq.worker import run_worker

    from review.core.privacy.logs import mask_personal_data_in_logs
    from review.worker import worker_options

    if not _pdf_environment_ok():
        return 3
    logging.config.dictConfig(default_log_config(verbose=False))
    mask_personal_data_in_logs()
    # lazy: as above
    from review.core import priority

    priority.lower()
    run_worker(worker_options(args.queue), burst=args.burst)  # type: ignore[arg-type]
    return 0


def demo_arguments(demo: argparse.ArgumentParser) -> None:
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--data-dir", default="data")
    demo.add_argument("--cases", type=int, default=200)


def serve_arguments(serve: argparse.ArgumentParser) -> None:
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)


def worker_arguments(worker: argparse.ArgumentParser) -> None:
    worker.add_argument("--burst", action="store_true", help="处理完队列后退出")
    worker.add_argument("--queue", choices=["default", "verdicts"], default="default",
                        help="default：一般任务（含批量签发）；verdicts：生成评议意见书 PDF")


OWN_COMMANDS = [
    Command("demo", "在本机以演示数据运行（SQLite，进程内任务）", cmd_demo, demo_arguments),
    Command("serve", "运行 Web 服务", cmd_serve, serve_arguments),
    Command("worker", "运行 arq 后台任务进程（需要 REDIS_URL）", cmd_worker, worker_arguments),
    Command("migrate", "建立或升级数据库结构", cmd_migrate),
]


def _configure_jobs() -> None:
    """A command's services may queue jobs (renders after the demo's rulings, refills, …)."""
    # lazy: every job module loads only once a command runs
    from review.core import jobs
    from review.worker import JOBS

    jobs.configure(JOBS)


before_each(_configure_jobs)

# In the order `review --help` lists them.
COMMANDS = [*OWN_COMMANDS, *demo_commands.COMMANDS, *cases_commands.COMMANDS, *accounts_commands.COMMANDS,
            *audit_commands.COMMANDS, *convening_commands.COMMANDS, *panels_commands.COMMANDS,
            *holidays_commands.COMMANDS, *assessments_commands.COMMANDS, *selection_commands.COMMANDS]


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="review", description="第三方评议平台")
    sub = p.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        one = sub.add_parser(command.name, help=command.help)
        command.add_arguments(one)
        one.set_defaults(fn=command.run)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return int(args.fn(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
