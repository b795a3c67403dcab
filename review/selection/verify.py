"""Re-run a published selection without the platform: `python -m review.selection.verify record.json`.

The record is the JSON download of a public selection record (`/public/selection/draws/{id}.json`, or `record`
in `GET /api/v1/selection/draws/{id}`). It holds the policy version it was drawn under with that version's
content and hash, the seed and its hash, and every candidate case with its department, category and the rule
that selects it regardless of the sample — no personal data. The draw is `review.selection.draw` run on exactly
that; this module imports nothing but the standard library and the pure modules it names.

Exit status: 0 when every case comes out as recorded; 1 when something differs (each difference is printed);
2 when the file is not a record this command can re-run.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence

from review.selection.draw import NotReplayable, counts, replay


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1 or args[0] in ("-h", "--help"):
        print("用法：python -m review.selection.verify record.json（公开选取记录的 JSON 下载）", file=sys.stderr)
        return 2
    try:
        with open(args[0], encoding="utf-8") as handle:
            record = json.load(handle)
        outcome = replay(record)
    except (OSError, json.JSONDecodeError, NotReplayable) as error:
        print(f"无法复算：{error}", file=sys.stderr)
        return 2
    for check in outcome.checks:
        print(f"{'✓' if check.ok else '✗'} {check.message}")
        if check.detail:
            print(f"    {check.detail}")
    found = counts(record)
    print(f"共 {found['total']} 件，入选 {found['selected']} 件")
    if outcome.ok:
        print(f"复算通过：第 {record.get('selection_id')} 号选取记录与公布的结果一致")
        return 0
    print(f"复算未通过：{len(outcome.failures)} 项不一致", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
