"""The `review` command: demo, serve, worker, migrate, seed-demo, import-cases, createuser, deactivate-user,
verify-audit, publish-audit-head, holidays."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from pathlib import Path
from typing import Any


def _run(coro: Any) -> Any:
    return asyncio.run(coro)


async def _with_db(coro_fn: Any, *args: Any, **kwargs: Any) -> Any:
    from review.core import db
    from review.core import jobs as queue
    from review.core.audit import store as audit
    from review.worker import JOBS

    queue.configure(JOBS)  # a command's services may queue jobs: renders after the demo's rulings, refills, …
    db.engine()
    await db.start()
    try:
        return await coro_fn(*args, **kwargs)
    finally:
        await queue.close()
        await audit.seal()  # the command's own events, sealed now rather than by the next server
        await db.stop()


def _pdf_environment_ok() -> bool:
    """Verdict PDFs need a CJK font and the HarfBuzz subsetter: say exactly what to install if not."""
    from review.verdicts.render import check_pdf_environment

    problems = check_pdf_environment()
    for problem in problems:
        print(f"环境检查：{problem}", file=sys.stderr)
    if problems:
        print("在 Debian/Ubuntu 上：sudo apt-get install fonts-noto-cjk fonts-arphic-ukai libharfbuzz-subset0 fontconfig", file=sys.stderr)
    return not problems


def cmd_migrate(args: argparse.Namespace) -> int:
    from review.core import db

    async def go() -> None:
        await db.migrate()
        from review.demo.seeding import seed_reference

        await seed_reference()

    _run(_with_db(go))
    print("数据库已是最新结构。")
    return 0 if _signing_ready() else 3


def _signing_ready() -> bool:
    """The office's signing key and certificate exist (a demonstration pair is made when none is configured)."""
    from review.verdicts import signing as verdict_signing

    try:
        material = verdict_signing.ensure_signing_material()
    except verdict_signing.SigningError as exc:
        print(f"意见书签名证书不可用：{exc}", file=sys.stderr)
        return False
    if material.created:
        print(f"已生成评议办的演示签名证书：{material.cert}（私钥 {material.key}，仅本机可读）")
    return True


def cmd_seed_demo(args: argparse.Namespace) -> int:
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

    _run(_with_db(go))
    _print_logins()
    return 0


def _print_logins() -> None:
    print(
        "\n演示账号（仅演示模式）：\n"
        "  评议办      office / demo-office\n"
        "  评议员      member01 … member30 / demo-member\n"
        "  部门联络员  liaison-<部门代码>（如 liaison-CDJT）/ demo-liaison\n"
        "  热线平台    X-API-Key: demo-hotline-key\n"
        "  诉求人      在 /track 输入受理编号和提取码（用 API 推送新案件时返回）\n"
    )


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
    from review.core import db
    from review.demo.seeding import seed_demo

    async def go() -> None:
        await db.migrate()
        await seed_demo(cases_count=args.cases)

    print(f"数据目录：{data_dir}")
    _run(_with_db(go))
    if not _signing_ready():
        return 3
    _print_logins()
    print(f"打开 http://{args.host}:{args.port}/ （Ctrl+C 退出）")
    return _serve(args.host, args.port, workers=1)


# How `serve` and `demo` run uvicorn. It believes no forwarded headers itself: the app judges them against
# FORWARDED_ALLOW_IPS (review/web/client_address.py), the same under uvicorn as under any ASGI server.
SERVER_OPTIONS: dict[str, Any] = {"log_level": "warning", "access_log": False, "proxy_headers": False}


def _serve(host: str, port: int, workers: int) -> int:
    import uvicorn

    uvicorn.run("review.app:app", host=host, port=port, workers=workers, **SERVER_OPTIONS)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    if not _pdf_environment_ok():
        return 3
    return _serve(args.host, args.port, args.workers)


def cmd_worker(args: argparse.Namespace) -> int:
    from review.core import settings

    if not settings.REDIS_URL:
        print("未设置 REDIS_URL：后台任务在 `review serve` 进程内运行，无需单独的 worker。", file=sys.stderr)
        return 2
    import logging.config

    from arq.logs import default_log_config
    from arq.worker import run_worker

    from review.worker import worker_options

    if not _pdf_environment_ok():
        return 3
    logging.config.dictConfig(default_log_config(verbose=False))
    from review.core import priority

    priority.lower()
    run_worker(worker_options(args.queue), burst=args.burst)  # type: ignore[arg-type]
    return 0


def _codes_file(path: Path, *, force: bool) -> Any:
    """The access-code file, readable by its owner only (0600); an existing one only with --force."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if force else os.O_EXCL)
    fd = os.open(path, flags, 0o600)
    os.fchmod(fd, 0o600)  # also when --force took over a file made with other permissions
    return os.fdopen(fd, "w", encoding="utf-8", newline="")


def cmd_import_cases(args: argparse.Namespace) -> int:
    import csv

    from review.core import priority

    priority.lower()  # before the heavier imports below: a bulk import is background work from its start
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
            reports = _run(_with_db(import_cases, Path(args.file), Actor(kind="hotline", username="import"),
                                    on_created=keep))
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


def cmd_createuser(args: argparse.Namespace) -> int:
    from review.accounts import auth
    from review.core.errors import ServiceError
    from review.core.tables import Department

    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("密码：")

    async def go() -> int:
        department_id = None
        if args.department:
            row = await Department.select(Department.id).where(Department.code == args.department).first().run()
            if not row:
                raise ServiceError("unknown_department", f"未知的部门代码 {args.department}")
            department_id = row["id"]
        return await auth.create_account(username=args.username, password=password, role=args.role,
                                         display_name=args.display_name or "", department_id=department_id)

    try:
        _run(_with_db(go))
    except ServiceError as error:
        print(error.message, file=sys.stderr)
        return 1
    print(f"已创建用户 {args.username}")
    return 0


def _kept_heads(paths: list[str]) -> list[Any]:
    """The heads of kept copies of GET /api/v1/audit/heads; SystemExit(2) naming a file that is not one."""
    import json

    from review.core.audit.heads import from_json

    heads = []
    for path in paths:
        try:
            body = json.loads(Path(path).read_text(encoding="utf-8"))
            items = body.get("heads") if isinstance(body, dict) else body
            if not isinstance(items, list):
                raise TypeError("应为链头列表（GET /api/v1/audit/heads 的内容）")
            heads += [from_json(item) for item in items]
        except (OSError, ValueError, TypeError) as error:
            print(f"{path}：无法读取公布的链头：{error}", file=sys.stderr)
            raise SystemExit(2) from None
    return heads


def cmd_deactivate_user(args: argparse.Namespace) -> int:
    from review.accounts import services as accounts
    from review.core.actors import Actor
    from review.core.errors import ServiceError

    try:
        sessions, tokens = _run(_with_db(accounts.deactivate, username=args.username,
                                         actor=Actor(kind="office", username="cli")))
    except ServiceError as error:
        print(error.message, file=sys.stderr)
        return 1
    print(f"已停用用户 {args.username}：结束会话 {sessions} 个，注销令牌 {tokens} 个")
    return 0


def cmd_verify_audit(args: argparse.Namespace) -> int:
    from review.core.audit import store as audit

    found = _run(_with_db(audit.report, heads=_kept_heads(args.heads)))
    print(found.message(), file=sys.stderr if found.problem else sys.stdout)
    return 1 if found.problem else 0


def cmd_publish_audit_head(args: argparse.Namespace) -> int:
    from review.core.audit import heads as audit_heads

    async def go() -> dict[str, Any]:
        await audit_heads.publish()
        return (await audit_heads.published())[-1]

    head = _run(_with_db(go))
    print(f"已公布链头：共 {head['seq']} 条事件，最后一条的哈希 {head['hash']}")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="review", description="第三方评议平台")
    sub = p.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="在本机以演示数据运行（SQLite，进程内任务）")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--data-dir", default="data")
    demo.add_argument("--cases", type=int, default=200)
    demo.set_defaults(fn=cmd_demo)
    serve = sub.add_parser("serve", help="运行 Web 服务")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(fn=cmd_serve)
    worker = sub.add_parser("worker", help="运行 arq 后台任务进程（需要 REDIS_URL）")
    worker.add_argument("--burst", action="store_true", help="处理完队列后退出")
    worker.add_argument("--queue", choices=["default", "verdicts"], default="default",
                        help="default：一般任务（含批量签发）；verdicts：生成评议意见书 PDF")
    worker.set_defaults(fn=cmd_worker)
    sub.add_parser("migrate", help="建立或升级数据库结构").set_defaults(fn=cmd_migrate)
    seed = sub.add_parser("seed-demo", help="载入成都演示数据")
    seed.add_argument("--cases", type=int, default=200)
    seed.set_defaults(fn=cmd_seed_demo)
    imp = sub.add_parser("import-cases", help="从 CSV、XLSX 或 JSON lines 文件导入案件")
    imp.add_argument("file")
    imp.add_argument("--codes-out", metavar="PATH",
                     help="新案件的「受理编号,提取码」写入此 CSV 文件（权限 0600；必填，提取码不会显示或写入日志）")
    imp.add_argument("--force", action="store_true", help="覆盖已存在的提取码文件")
    imp.set_defaults(fn=cmd_import_cases)
    user = sub.add_parser("createuser", help="创建登录账号")
    user.add_argument("--username", required=True)
    user.add_argument("--role", required=True, choices=["office", "member", "liaison"])
    user.add_argument("--department", help="部门代码（联络员必填）")
    user.add_argument("--display-name")
    user.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码")
    user.set_defaults(fn=cmd_createuser)
    off = sub.add_parser("deactivate-user", help="停用登录账号，并结束其全部会话、注销其全部 API 令牌")
    off.add_argument("--username", required=True)
    off.set_defaults(fn=cmd_deactivate_user)
    verify = sub.add_parser("verify-audit", help="核验审计哈希链（并与每个公布的链头核对）")
    verify.add_argument("--heads", action="append", default=[], metavar="FILE",
                        help="另行保存的链头列表（GET /api/v1/audit/heads 的 JSON），可多次给出")
    verify.set_defaults(fn=cmd_verify_audit)
    sub.add_parser("publish-audit-head", help="立即公布审计链的当前链头").set_defaults(fn=cmd_publish_audit_head)
    from panels.commands import add_commands

    add_commands(sub)
    from review.holidays import commands as holiday_cli

    holiday_cli.add_commands(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return int(args.fn(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
