"""The demo's mediations, carried through the real services: a case in mediation with its next session, a few
messages and a first draft of the agreement, and a case settled by an agreement both parties confirmed."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from review.core.actors import Actor
from review.core.clock import CHINA, today_in_china
from review.core.tables import Account, Case
from review.mediation.services import agreement, room, stage

_PLACES = ["成华区人民调解中心二楼调解室", "锦江区矛盾纠纷多元化解中心", "武侯区市民服务中心三楼会议室"]
_TALK = [
    ("office", "各位好，今天由评议办主持调解，请双方先各自说明诉求和办理情况。"),
    ("complainant", "问题反映了两次，答复都说已处理，但现场情况没有变化。"),
    ("liaison", "我们已安排人员复核，下周内到现场处理，并当面向诉求人说明。"),
    ("office", "请部门把处理时限和回访方式写进协议草稿，双方看过后再确认。"),
]
_AGREEMENT = (
    "一、承办部门于十个工作日内完成现场整改，并将整改结果书面告知诉求人。\n"
    "二、整改完成后三个工作日内，承办部门回访诉求人，听取意见。\n"
    "三、诉求人确认上述安排，本次评议以调解方式结案。"
)


async def _parties(number: str) -> tuple[Actor, Actor]:
    """The complainant and one liaison of the case's department, as the room admits them."""
    case = await Case.select(Case.id, Case.department).where(Case.number == number).first().run()
    liaison = await Account.select(Account.id, Account.username).where(
        (Account.role == "liaison") & (Account.department == case["department"])).first().run()
    return (Actor(kind="complainant", case_id=case["id"]),
            Actor(kind="liaison", user_id=liaison["id"], username=liaison["username"],
                  department_id=case["department"]))


async def open_with_talk(number: str, office: Actor, rng: random.Random) -> tuple[int, dict]:
    """Open mediation on an accepted case, schedule its session in two days, talk and draft. The mediation's id
    and the draft's version."""
    mediation_id = await stage.open_mediation(number=number, actor=office)
    starts = datetime.combine(today_in_china() + timedelta(days=2), time(14, 30), tzinfo=CHINA)
    await stage.schedule_session(number=number, starts_at=starts, mode="both", location=rng.choice(_PLACES),
                                 actor=office)
    complainant, liaison = await _parties(number)
    speakers = {"office": office, "complainant": complainant, "liaison": liaison}
    for who, text in _TALK:
        await room.post_message(mediation_id=mediation_id, actor=speakers[who], text=text)
    draft = await agreement.save_version(mediation_id=mediation_id, actor=office, text=_AGREEMENT, base_version=0)
    return mediation_id, draft


async def settle(number: str, office: Actor, rng: random.Random) -> None:
    """Mediation that ends in an agreement: both parties confirm the draft, which seals it and settles the case."""
    mediation_id, draft = await open_with_talk(number, office, rng)
    complainant, liaison = await _parties(number)
    for party in (complainant, liaison):
        await agreement.confirm(mediation_id=mediation_id, actor=party, version=draft["version"],
                                sha256=draft["sha256"])
