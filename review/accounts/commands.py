"""`review createuser` and `review deactivate-user`."""

from __future__ import annotations

import argparse
import getpass
import sys

from review.core.commands import Command, run_with_db


def cmd_createuser(args: argparse.Namespace) -> int:
    # lazy: the settings load only once the command runs (review.core.commands)
    from review.accounts.services import auth
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
        run_with_db(go)
    except ServiceError as error:
        print(error.message, file=sys.stderr)
        return 1
    print(f"已创建用户 {args.username}")
    return 0


def createuser_arguments(user: argparse.ArgumentParser) -> None:
    user.add_argument("--username", required=True)
    user.add_argument("--role", required=True, choices=["office", "member", "liaison"])
    user.add_argument("--department", help="部门代码（联络员必填）")
    user.add_argument("--display-name")
    user.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码")


def cmd_deactivate_user(args: argparse.Namespace) -> int:
    # lazy: the settings load only once the command runs (review.core.commands)
    from review.accounts.services import tokens as accounts
    from review.core.actors import Actor
    from review.core.errors import ServiceError

    try:
        sessions, tokens = run_with_db(accounts.deactivate, username=args.username,
                                       actor=Actor(kind="office", username="cli"))
    except ServiceError as error:
        print(error.message, file=sys.stderr)
        return 1
    print(f"已停用用户 {args.username}：结束会话 {sessions} 个，注销令牌 {tokens} 个")
    return 0


def deactivate_user_arguments(off: argparse.ArgumentParser) -> None:
    off.add_argument("--username", required=True)


COMMANDS = [
    Command("createuser", "创建登录账号", cmd_createuser, createuser_arguments),
    Command("deactivate-user", "停用登录账号，并结束其全部会话、注销其全部 API 令牌", cmd_deactivate_user,
            deactivate_user_arguments),
]
