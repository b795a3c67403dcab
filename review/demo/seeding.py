"""Reference data every installation needs, and the Chengdu demo carried through the real services."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from panels.services.invitations import answer_invitation
from panels.tables import CompositionTemplate, RosterMember, Seat
from review.accounts.services import auth
from review.assessments.services import load_figures, seed_scheme
from review.cases import services as cases
from review.convening.services import convene_panel
from review.core.actors import Actor
from review.core.clock import today_in_china
from review.core.tables import Account, ApiKey, Case, Department
from review.demo import data as demo_data
from review.demo import mediation as demo_mediation
from review.holidays import services as holidays
from review.publication import services as publication
from review.rulings.services.deliberation import close_scoring, issue_ruling, save_reasoning, sign_reasoning
from review.rulings.services.sheets import criteria_of, submit_sheet
from review.selection import services as selection
from scoring.domain.default_criteria import DEFAULT_CRITERIA, DEFAULT_NAME, DEFAULT_RULE, content_hash
from scoring.tables import CriteriaSet, Criterion

DEMO_PASSWORDS = {"office": "demo-office", "member": "demo-member", "liaison": "demo-liaison"}
DEMO_HOTLINE_KEY = "demo-hotline-key"
DEMO_MEMBER_LOGINS = 30

Progress = Callable[[str], None]


async def seed_reference() -> None:
    """The default criteria set (version 1), assessment scheme (version 1), selection policy (version 1) and
    composition template, if none exist yet; the holiday table for every year `chinese_calendar` covers that has
    no rows yet."""
    await holidays.seed_from_package()
    await seed_scheme()
    await selection.seed_default()
    if not await CriteriaSet.exists().run():
        rows = await CriteriaSet.insert(CriteriaSet(
            name=DEFAULT_NAME, version=1, rule=json.dumps(DEFAULT_RULE),
            content_hash=content_hash(DEFAULT_NAME, DEFAULT_CRITERIA, DEFAULT_RULE),
            published_at=datetime.now(UTC), effective_from=date.today(),
        )).run()
        await Criterion.insert(*[
            Criterion(criteria_set=rows[0]["id"], position=i, code=c["code"], name=c["name"],
                      description=c["description"], weight=float(c["weight"]), scale_max=len(c["levels"]),
                      levels=json.dumps(c["levels"], ensure_ascii=False))
            for i, c in enumerate(DEFAULT_CRITERIA)
        ]).run()
    if not await CompositionTemplate.exists().run():
        await CompositionTemplate.insert(CompositionTemplate(
            name="标准评议组（5 人）", category="", version=1,
            seats=json.dumps({"lawyer": 1, "deputy": 1, "resident": 2, "expert": 1}),
            chair_roles=json.dumps(["lawyer", "deputy"]), prefer_local_residents=True,
        )).run()


async def seed_demo_templates() -> None:
    """The demo's category templates (township categories seat a township representative), where missing."""
    for template in demo_data.category_templates():
        if await CompositionTemplate.exists().where(CompositionTemplate.category == template["category"]).run():
            continue
        await CompositionTemplate.insert(CompositionTemplate(
            name=template["name"], category=template["category"], version=1, seats=json.dumps(template["seats"]),
            chair_roles=json.dumps(template["chair_roles"]),
            prefer_local_residents=template["prefer_local_residents"],
        )).run()


async def seed_demo(*, cases_count: int = 200, seed: int = 20261122, progress: Progress = print) -> dict[str, int]:
    """Load the Chengdu demo (departments, roster, logins, cases at every stage). Idempotent."""
    await seed_reference()
    if await Department.exists().run():
        progress("演示数据已存在，跳过。")
        return {}
    await seed_demo_templates()
    rng = random.Random(seed)
    await Department.insert(*[Department(code=d.code, name=d.name, level=d.level, district=d.district)
                              for d in demo_data.DEPARTMENTS]).run()
    departments = {d["code"]: d["id"] for d in await Department.select(Department.id, Department.code).run()}
    await _demo_logins(departments, rng)
    progress(f"已创建 {len(departments)} 个部门、评议员名册和演示账号")
    office = Actor(kind="office", user_id=await _user_id("office"), username="office")
    hotline = Actor(kind="hotline", username="hotline")
    today = today_in_china()
    await _base_figures(today, rng, hotline, progress)
    complaints = demo_data.complaints(rng, cases_count, start=today - timedelta(days=60), days=55)
    counts: dict[str, int] = {}
    for index, complaint in enumerate(complaints, 1):
        result = await cases.intake_case(payload=demo_data.to_intake_payload(complaint), actor=hotline)
        stage = _STAGES[index - 1][0] if index <= len(_STAGES) else _stage(rng)  # every stage at least once
        await _advance(result.case_number, stage, office, rng)
        counts[stage] = counts.get(stage, 0) + 1
        if index % 25 == 0:
            progress(f"已载入 {index}/{len(complaints)} 件演示案件")
    return counts


async def _base_figures(today: date, rng: random.Random, hotline: Actor, progress: Progress) -> None:
    """The past twelve months' base figures, as the hotline would send them; this month's are left to import."""
    first = date(today.year, today.month, 1)
    months = []
    for back in range(12, 0, -1):
        year, month = divmod(first.year * 12 + first.month - 1 - back, 12)
        months.append(f"{year}-{month + 1:02d}")
    rows = demo_data.monthly_figures(rng, months)
    await load_figures(list(enumerate(rows, start=2)), actor=hotline, source="api")
    progress(f"已导入 {months[0]} 至 {months[-1]} 的热线基础数据（{len(rows)} 行）")


async def _user_id(username: str) -> int:
    row = await Account.select(Account.id).where(Account.username == username).first().run()
    return row["id"]


async def _demo_logins(departments: dict[str, int], rng: random.Random) -> None:
    # One argon2 hash per shared demo password keeps seeding fast; each is still a real argon2id hash.
    hashes = {role: auth.hash_password(password) for role, password in DEMO_PASSWORDS.items()}
    now = datetime.now(UTC)
    await Account.insert(Account(username="office", display_name="评议办（演示）", role="office",
                                 password_hash=hashes["office"], created_at=now)).run()
    await Account.insert(*[
        Account(username=f"liaison-{code}", display_name=f"{code} 联络员", role="liaison", department=dept_id,
                password_hash=hashes["liaison"], created_at=now)
        for code, dept_id in departments.items()
    ]).run()
    roster = demo_data.roster_members(rng, 150)
    # Every roster member can log in, so that any drawn panel can score online; member01…member30 are
    # the documented demo logins.
    accounts = await Account.insert(*[
        Account(username=f"member{i:02d}", display_name=m.name, role="member", password_hash=hashes["member"],
                created_at=now)
        for i, m in enumerate(roster, 1)
    ]).run()
    await RosterMember.insert(*[
        RosterMember(user=acc["id"], name=m.name, role=m.role, district=m.district, community=m.community,
                     employer=m.employer, affiliations=json.dumps(list(m.affiliations)),
                     expertise=json.dumps(list(m.expertise), ensure_ascii=False), max_panels=m.max_panels)
        for acc, m in zip(accounts, roster)
    ]).run()
    await ApiKey.insert(ApiKey(name="hotline", key_hash=auth.hash_token(DEMO_HOTLINE_KEY))).run()


_STAGES = (("received", 20), ("dismissed", 7), ("accepted", 15), ("panel_ready", 18), ("under_review", 18),
           ("mediation", 4), ("settled", 2), ("ruled", 15), ("closed", 7))


def _stage(rng: random.Random) -> str:
    return rng.choices([s for s, _ in _STAGES], weights=[w for _, w in _STAGES])[0]


async def _advance(number: str, stage: str, office: Actor, rng: random.Random) -> None:
    """Carry one case through the real services up to `stage`."""
    if stage == "received":
        return
    if stage == "dismissed":
        await cases.screen_case(number=number, actor=office, accept=False,
                                reason=rng.choice(["诉求已进入司法程序，不属于评议范围", "同一诉求已于近期评议"]))
        return
    await cases.screen_case(number=number, actor=office, accept=True)
    if stage == "accepted":
        return
    if stage == "mediation":
        await demo_mediation.open_with_talk(number, office, rng)
        return
    if stage == "settled":
        await demo_mediation.settle(number, office, rng)
        return
    await convene_panel(number=number, actor=office)
    if stage == "panel_ready":
        return  # invitations still open
    await _accept_invitations(number)
    members = await _panel_members(number)
    quality = rng.choice([2, 3, 3, 4, 4, 5])
    criteria = await criteria_of((await Case.select(Case.criteria_set_id).where(Case.number == number)
                                  .first().run())["criteria_set_id"])
    scoring = members if stage != "under_review" else members[: rng.randint(1, len(members) - 1)]
    for user_id, username in scoring:
        member = Actor(kind="member", user_id=user_id, username=username)
        scores = [{"criterion": c["code"], "value": max(1, min(5, quality + rng.choice([-1, 0, 0, 1]))),
                   "reason": rng.choice(_REASONS[quality])} for c in criteria]
        await submit_sheet(number=number, actor=member, scores=scores)
    if stage == "under_review":
        return
    await close_scoring(number=number, actor=office)
    chair = await _chair(number)
    await save_reasoning(number=number, actor=chair, reasoning=rng.choice(_REASONINGS))
    await sign_reasoning(number=number, actor=chair)
    await issue_ruling(number=number, actor=office)
    await _answer_on_publication(number)
    if stage == "closed":
        await cases.close_case(number=number, actor=office)


async def _answer_on_publication(number: str) -> None:
    """Most complainants consent to publication, some refuse, some never answer (their own draw, by the case
    number: the demo's other choices stay as they were)."""
    answer = random.Random(number).choices(["granted", "refused", ""], weights=[7, 2, 1])[0]
    if answer:
        case = await Case.select(Case.id).where(Case.number == number).first().run()
        await publication.record_consent(actor=Actor(kind="complainant", case_id=case["id"]), answer=answer)


async def _accept_invitations(number: str) -> None:
    """Every invited member of the case's panel accepts (the demo's members all say yes)."""

    rows = await Seat.select(Seat.id, Seat.member.user.id, Seat.member.user.username).where(
        (Seat.panel.case.number == number) & (Seat.status == "invited")).run()
    for row in rows:
        member = Actor(kind="member", user_id=row["member.user.id"], username=row["member.user.username"])
        await answer_invitation(seat_id=row["id"], actor=member, answer="accept")


async def _chair(number: str) -> Actor:

    row = await Seat.select(Seat.member.user.id, Seat.member.user.username).where(
        (Seat.panel.case.number == number) & (Seat.is_chair == True)).first().run()
    return Actor(kind="member", user_id=row["member.user.id"], username=row["member.user.username"])


async def _panel_members(number: str) -> list[tuple[int, str]]:

    rows = await Seat.select(Seat.member.user.id, Seat.member.user.username).where(
        Seat.panel.case.number == number).order_by(Seat.id).run()
    return [(r["member.user.id"], r["member.user.username"]) for r in rows]


_REASONS = {
    1: ["部门未作实质处理，推诿明显。"],
    2: ["答复与诉求不对应，问题未解决。", "办理超期且未与诉求人沟通。"],
    3: ["程序基本完整，但问题仅部分解决。", "答复有依据，但沟通不够充分。"],
    4: ["办理规范，问题基本解决。", "依据准确，答复完整。"],
    5: ["响应及时，问题彻底解决，沟通耐心。"],
}
_REASONINGS = [
    "评议组查阅了办理记录并听取双方陈述，依据公布的评议标准逐项评分。",
    "评议组认为承办部门的答复依据充分，但现场核实和后续跟进仍有不足。",
    "经评议组合议，综合各项评分作出本结论。",
]
