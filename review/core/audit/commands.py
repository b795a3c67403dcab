"""`review verify-audit [--heads FILE]…` and `review publish-audit-head`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from review.core.commands import Command, run_with_db


def _kept_heads(paths: list[str]) -> list[Any]:
    """The heads of kept copies of GET /api/v1/audit/heads; SystemExit(2) naming a file that is not one."""

    # lazy: the settings load only once the command runs (review.core.commands)
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


def cmd_verify_audit(args: argparse.Namespace) -> int:
    # lazy: the settings load only once the command runs (review.core.commands)
    from review.core.audit import store as audit

    found = run_with_db(audit.report, heads=_kept_heads(args.heads))
    print(found.message(), file=sys.stderr if found.problem else sys.stdout)
    return 1 if found.problem else 0


def verify_audit_arguments(verify: argparse.ArgumentParser) -> None:
    verify.add_argument("--heads", action="append", default=[], metavar="FILE",
                        help="另行保存的链头列表（GET /api/v1/audit/heads 的 JSON），可多次给出")


def cmd_publish_audit_head(args: argparse.Namespace) -> int:
    # lazy: the settings load only once the command runs (review.core.commands)
    from review.core.audit import heads as audit_heads

    async def go() -> dict[str, Any]:
        await audit_heads.publish()
        return (await audit_heads.published())[-1]

    head = run_with_db(go)
    print(f"已公布链头：共 {head['seq']} 条事件，最后一条的哈希 {head['hash']}")
    return 0


COMMANDS = [
    Command("verify-audit", "核验审计哈希链（并与每个公布的链头核对）", cmd_verify_audit, verify_audit_arguments),
    Command("publish-audit-head", "立即公布审计链的当前链头", cmd_publish_audit_head),
]
