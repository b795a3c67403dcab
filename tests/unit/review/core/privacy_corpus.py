"""Generated complaint texts that know their personal data and the ordinary tokens that must survive masking.

Each text is built from sentence templates whose slots are filled with names, numbers and addresses in every
written form people use (full-width digits, spaces, dashes, +86, grouped ID and card numbers, plates with and
without ·) and with the ordinary tokens masking must leave alone (window, document and line numbers, floors,
amounts, dates, ticket and case numbers, district and community names, officials by title, words that hold a
person's given name as characters). Deterministic: the same seed gives the same corpus.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from review.core.privacy import Complainant

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚"
)
COMPOUND = ("欧阳", "司马", "诸葛", "上官", "皇甫", "宗政", "慕容", "令狐", "东方", "尉迟", "公孙", "司徒")
GIVEN = ("小明", "建华", "丽娟", "志强", "秀英", "海涛", "文博", "雨欣", "子轩", "桂芳", "国强", "晓燕", "德胜",
         "娜娜", "俊杰", "红梅", "伟", "芳", "敏", "静", "磊", "军", "洋", "勇", "艳", "杰", "涛", "超")  # fmt: skip
# Given names and ordinary words that hold them as characters: the word must survive when the person is masked.
GIVEN_IN_WORDS = {
    "峰": ("早晚高峰", "高峰时段"), "阳": ("向阳小区", "阳光花园"), "明": ("说明情况", "明天"),
    "建国": ("建国路", "建国以来"), "光明": ("光明路", "光明社区"), "华": ("中华路", "繁华地段"),
    "平": ("和平街", "公平"), "伟": ("伟大",), "强": ("加强管理",), "军": ("军民路",), "丽": ("美丽乡村",),
    "春": ("春节",), "国庆": ("国庆假期", "国庆节"), "平安": ("平安社区",), "海燕": ("海燕路",),
}  # fmt: skip
DISTRICTS = ("武侯区", "锦江区", "青羊区", "金牛区", "成华区", "高新区", "双流区", "龙泉驿区")
COMMUNITIES = ("玉林社区", "向阳小区", "幸福里小区", "光华社区", "桐梓林社区", "红星路社区", "芳草街社区")
ROADS = ("玉林北路", "人民南路", "科华北路", "蜀汉路", "红星路", "建设路", "光华大道", "府青路")
TITLES = ("局长", "主任", "科长", "书记", "处长", "所长", "站长", "经理")
ORGS = ("区住建局", "街道办事处", "市场监管局", "区城管执法局", "供电公司", "物业服务中心", "自来水公司")
AREA_CODES = ("010", "020", "021", "023", "025", "027", "028", "029", "0871", "0851", "0771", "0731")
PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁苏浙赣鄂桂甘晋蒙陕吉闽贵粤川宁琼"
REGIONS = ("510104", "510107", "510105", "110105", "440301", "320102", "330106", "500103", "420106")
PLATE_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
LETTERS = "abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True)
class Span:
    kind: str
    start: int
    end: int
    held: bool = False  # an identifier the platform holds (the complainant's, or a person named in `names`)


@dataclass
class Sample:
    """One complaint text, what the platform knows about its people, and where its personal data and its
    must-survive tokens are."""

    text: str
    known: Complainant
    names: tuple[str, ...]
    personal: list[Span] = field(default_factory=list)
    ordinary: list[Span] = field(default_factory=list)


def _wide(text: str) -> str:
    """Full-width digits, letters and dashes, as typed with a Chinese input method."""
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and (c.isalnum() or c in "-+@.") else c for c in text)


def _digits(r: random.Random, n: int, first: str = "0123456789") -> str:
    return r.choice(first) + "".join(r.choice("0123456789") for _ in range(n - 1))


def _grouped(number: str, sizes: tuple[int, ...], sep: str) -> str:
    out, at = [], 0
    for size in sizes:
        out.append(number[at : at + size])
        at += size
    if at < len(number):
        out.append(number[at:])
    return sep.join(p for p in out if p)


class _Case:
    """The people and identifiers of one generated case."""

    def __init__(self, r: random.Random) -> None:
        self.r = r
        surname = r.choice(COMPOUND) if r.random() < 0.15 else r.choice(SURNAMES)
        pool = GIVEN + tuple(GIVEN_IN_WORDS) if r.random() < 0.4 else GIVEN
        self.given = r.choice(pool)
        self.name = surname + self.given
        same = r.random() < 0.3  # a third party of the complainant's own surname: 张某甲, 张某乙
        other_surname = surname if same else r.choice(SURNAMES.replace(surname, ""))
        others = [other_surname + r.choice([g for g in GIVEN if g != self.given])]
        if r.random() < 0.4:
            others.append(r.choice(SURNAMES) + r.choice(GIVEN))
        self.others = tuple(n for n in dict.fromkeys(others) if n != self.name)
        self.phone = "1" + r.choice("3456789") + _digits(r, 9)
        self.id_number = self.new_id()
        b, u, room = r.randint(1, 30), r.randint(1, 6), f"{r.randint(1, 33)}{r.randint(1, 4):02d}"
        self.address = f"{r.choice(ROADS)}{r.randint(1, 300)}号{b}栋{u}单元{room}室"

    def new_id(self) -> str:
        r = self.r
        birth = f"{r.randint(1950, 2006)}{r.randint(1, 12):02d}{r.randint(1, 28):02d}"
        return r.choice(REGIONS) + birth + _digits(r, 3) + r.choice("0123456789X")

    def known(self) -> Complainant:
        return Complainant(name=self.name, phone=self.phone, id_number=self.id_number, address=self.address)


Filler = Callable[[_Case], "str | tuple[str, str]"]


def _phone_form(r: random.Random, d: str) -> str:
    return r.choice(
        [
            d,
            _wide(d),
            _grouped(d, (3, 4), " "),
            _grouped(d, (3, 4), "-"),
            _grouped(d, (3, 4), "."),
            _grouped(d, (3, 3), " "),  # 3-3-5
            "+86 " + d,
            "+86-" + _grouped(d, (3, 4), "-"),
            "0086" + d,
            "86 " + _grouped(d, (3, 4), " "),
            _wide(_grouped(d, (3, 4), "-")),
            "+86" + _wide(d),
        ]
    )


def _id_form(r: random.Random, number: str) -> str:
    return r.choice(
        [
            number,
            number.lower(),
            _grouped(number, (6, 8), " "),
            _grouped(number, (6, 8), "-"),
            _grouped(number, (4, 4, 4, 4), " "),
            _wide(number),
            _grouped(number, (6, 4, 4), " "),
        ]
    )


def _landline(c: _Case) -> str:
    r = c.r
    area = r.choice(AREA_CODES)
    local = _digits(r, 8 if len(area) == 3 else 7, "2345678")
    return r.choice(
        [
            f"{area}-{local}",
            f"{area}-{local[:4]}-{local[4:]}",
            f"({area}){local}",
            f"（{area}）{local}",
            f"{area} {local}",
            area + local,
            _wide(f"{area}-{local}"),
        ]
    )


def _other_id(c: _Case) -> str:
    r = c.r
    if r.random() < 0.3:  # the 15-digit number of the first generation of cards
        return (
            r.choice(REGIONS)
            + f"{r.randint(50, 99)}{r.randint(1, 12):02d}{r.randint(1, 28):02d}"
            + _digits(r, 3)
        )
    return _id_form(r, c.new_id())


def _card(c: _Case) -> str:
    r = c.r
    number = r.choice(["62", "4", "5"])
    number += _digits(r, r.choice([16, 17, 19]) - len(number))
    return r.choice(
        [number, _grouped(number, (4, 4, 4, 4), " "), _grouped(number, (4, 4, 4, 4), "-"), _wide(number)]
    )


def _plate(c: _Case) -> str:
    r = c.r
    head = r.choice(PROVINCES) + r.choice("ABCDEFGHJKLMN")
    if r.random() < 0.3:  # new energy: D or F and five digits, or five digits and D or F
        tail = r.choice("DF") + _digits(r, 5) if r.random() < 0.5 else _digits(r, 5) + r.choice("DF")
    else:
        tail = "".join(r.choice(PLATE_CHARS) for _ in range(4)) + r.choice("0123456789")
        tail = "".join(r.sample(tail, len(tail)))
    return head + r.choice(["", "·", " ", "•"]) + tail


def _email(c: _Case) -> str:
    r = c.r
    local = (
        "".join(r.choice(LETTERS) for _ in range(r.randint(3, 8))) + r.choice(["", ".", "_"]) + _digits(r, 4)
    )
    email = (
        local.strip("._") + r.choice(["@", " @ "]) + r.choice(["qq.com", "163.com", "126.com", "sina.com.cn"])
    )
    return _wide(email) if r.random() < 0.15 else email


def _wechat_id(c: _Case) -> str:
    r = c.r
    if r.random() < 0.3:
        return "wxid_" + "".join(r.choice(LETTERS + "0123456789") for _ in range(10))
    return r.choice(LETTERS) + "".join(r.choice(LETTERS + "0123456789_") for _ in range(r.randint(5, 11)))


def _house(c: _Case) -> str:
    r = c.r
    n = r.randint
    return r.choice(
        [
            f"{n(1, 30)}栋{n(1, 6)}单元{n(1, 33)}{n(1, 4):02d}室",
            f"{n(1, 30)}号楼{n(1, 6)}单元{n(1, 33)}{n(1, 4):02d}",
            f"{n(1, 30)}-{n(1, 6)}-{n(1, 33)}{n(1, 4):02d}",
            f"{r.choice('ABCDE')}座{n(1, 33)}{n(1, 4):02d}",
            f"{n(1, 30)}号院{n(1, 9)}门",
            f"{n(1, 20)}幢{n(1, 33)}{n(1, 4):02d}室",
            f"{r.choice('一二三四五六')}单元{r.choice(['十五', '八', '二十三'])}号",
            f"{n(1, 30)}栋 {n(1, 6)}单元 {n(1, 33)}{n(1, 4):02d}室",
            _wide(f"{n(1, 30)}栋{n(1, 6)}单元{n(1, 33)}{n(1, 4):02d}室"),
        ]
    )


def _given_word(c: _Case) -> str:
    words = GIVEN_IN_WORDS.get(c.given) or next(
        (w for g, w in GIVEN_IN_WORDS.items() if g in c.given or c.given in g), ("早晚高峰", "向阳小区")
    )
    return c.r.choice(words)


# Slots: a personal one returns (kind, text) or (kind+"!", text) when the platform holds it; an ordinary one
# returns the text alone.
PERSONAL: dict[str, Filler] = {
    "name": lambda c: ("name!", c.name if c.r.random() < 0.9 else " ".join(c.name)),
    "given": lambda c: ("name!", c.given if len(c.given) >= 2 else c.name),
    "other": lambda c: ("name!", c.others[0]),
    "other2": lambda c: ("name!", c.others[-1]),
    "phone": lambda c: ("phone!", _phone_form(c.r, c.phone)),
    "mobile": lambda c: ("phone", _phone_form(c.r, "1" + c.r.choice("3456789") + _digits(c.r, 9))),
    "landline": lambda c: ("phone", _landline(c)),
    "bare_landline": lambda c: ("phone", _digits(c.r, 8, "2345678")),
    "idno": lambda c: ("id_number!", _id_form(c.r, c.id_number)),
    "idother": lambda c: ("id_number", _other_id(c)),
    "card": lambda c: ("bank_card", _card(c)),
    "plate": lambda c: ("plate", _plate(c)),
    "email": lambda c: ("email", _email(c)),
    "wechat": lambda c: ("account", _wechat_id(c)),
    "qq": lambda c: ("account", _digits(c.r, c.r.randint(6, 10), "123456789")),
    "house": lambda c: ("address", _house(c)),
    "held_address": lambda c: ("address!", c.address if c.r.random() < 0.7 else _wide(c.address)),
    "road_no": lambda c: ("address", f"{c.r.randint(1, 300)}号"),
    "unheld": lambda c: (
        "name",
        (c.r.choice(COMPOUND) if c.r.random() < 0.1 else c.r.choice(SURNAMES)) + c.r.choice(GIVEN),
    ),
}
# Numbers before 栋, 座, 门 and 单元 that are no address.
COUNT_WORDS = (
    "两栋楼",
    "三栋房子",
    "45座大巴",
    "第一单元",
    "东2门",
    "三门峡",
    "5座城市",
    "一栋危房",
    "2门课程",
)
# Words after a role word that are not a person's name (the surname's character begins an everyday word).
ROLE_WORDS = ("居民楼", "业主委员会", "村民小组", "司机师傅", "房东方面", "市民高度关注", "对方车辆", "家属区",
              "居民王女士", "业主李先生", "同事马上", "老板娘", "商户门前", "租户合同", "患者家属", "联系人电话",
              "诉求人陈述", "当事人解释", "申请人申请复核", "居民尤其", "业主费用", "邻居解决", "诉求人申诉",
              "邻居常常", "业主全体", "市民关于", "村民于是")  # fmt: skip
ORDINARY: dict[str, Filler] = {
    "window": lambda c: f"{c.r.randint(1, 30)}号窗口",
    "doc": lambda c: f"{c.r.randint(1, 99)}号文件",
    "docyear": lambda c: f"〔{c.r.randint(2015, 2026)}〕{c.r.randint(1, 120)}号文件",
    "exit": lambda c: f"{c.r.randint(1, 9)}号口",
    "floor": lambda c: c.r.choice(
        ["二楼", "三楼", "五楼", f"{c.r.randint(1, 30)}楼", f"{c.r.randint(1, 30)}层"]
    ),
    "line": lambda c: f"地铁{c.r.randint(1, 30)}号线",
    "amount": lambda c: f"{_digits(c.r, c.r.randint(3, 8), '123456789')}元",
    "wan": lambda c: f"{c.r.randint(1, 500)}万元",
    "date": lambda c: f"{c.r.randint(2020, 2026)}年{c.r.randint(1, 12)}月{c.r.randint(1, 28)}日",
    "isodate": lambda c: f"{c.r.randint(2020, 2026)}-{c.r.randint(1, 12):02d}-{c.r.randint(1, 28):02d}",
    "date_pair": lambda c: " ".join(ORDINARY["isodate"](c) for _ in range(2)),  # type: ignore[misc]
    "compact_date": lambda c: f"{c.r.randint(2020, 2026)}{c.r.randint(1, 12):02d}{c.r.randint(1, 28):02d}",
    "day_hao": lambda c: f"{c.r.randint(1, 12)}月{c.r.randint(1, 28)}号",
    "ticket": lambda c: (
        f"工单号{c.r.randint(2020, 2026)}{c.r.randint(1, 12):02d}{c.r.randint(1, 28):02d}"
        + c.r.choice(["", f"{c.r.randint(0, 9999):04d}"])
    ),
    "case_no": lambda c: f"PY{c.r.randint(2024, 2026)}{c.r.randint(1, 999999):06d}",
    "district": lambda c: c.r.choice(DISTRICTS),
    "community": lambda c: c.r.choice(COMMUNITIES),
    "road": lambda c: c.r.choice(ROADS),
    "official": lambda c: c.r.choice(SURNAMES) + c.r.choice(TITLES),
    "org": lambda c: c.r.choice(DISTRICTS) + c.r.choice(ORGS),
    "time": lambda c: f"{c.r.randint(8, 18)}:{c.r.choice(['00', '30'])}",
    "count": lambda c: f"第{c.r.randint(2, 9)}次",
    "hotline": lambda c: "12345热线",
    "word": _given_word,
    "role_word": lambda c: c.r.choice(ROLE_WORDS),
    "count_word": lambda c: c.r.choice(COUNT_WORDS),
    "order": lambda c: (
        c.r.choice(["订单号", "快递单号", "发票代码", "流水号"]) + _digits(c.r, c.r.randint(10, 19))
    ),
}
TEMPLATES = (
    "诉求人{name}（联系电话{phone}）反映：{community}{house}楼上漏水，多次找物业未果。",
    "{given}称，{date}到{district}政务服务中心{window}办理，工作人员要求补交材料。",
    "邻居{other}将车辆（车牌{plate}）长期停放在{community}消防通道，{official}答复将处理。",
    "{official}答复已按{docyear}执行，{ticket}已办结，但{given}要求重新核实。",
    "{name}身份证号{idno}，银行卡号{card}，{amount}至今未到账。",
    "如需联系可发邮件至{email}，或加微信{wechat}，QQ：{qq}。",
    "{other2}与{other}系亲属，均在{org}工作，{name}要求回避。",
    "住址：{held_address}，{word}期间噪声扰民。",
    "座机{landline}无人接听，另有手机{mobile}。",
    "{date}乘坐{line}至{exit}出站后，在{floor}办事窗口排队，{time}仍未受理。",
    "根据{doc}，补偿款{amount}应于{compact_date}前发放，{org}称需等待。",
    "受理编号{case_no}，这是{count}通过{hotline}反映，{given}说一直没有结果。",
    "{other}的身份证号为{idother}，电话{mobile}，住{road}{road_no}。",
    "涉事车辆{plate}多次占用{community}出入口，{name}拍照留存。",
    "{name}于{isodate}致电，称{word}路段施工，要求{org}说明。",
    "联系方式：电话{bare_landline}，微信号：{wechat}。",
    "{given}要求将{wan}补偿款打入其银行卡{card}。",
    "{name}（{idno}）反映{district}{community}{house}的排水问题，{official}曾到场。",
    "{day_hao}上午，{other}在{floor}走廊与{name}发生争执。",
    "报修电话{phone}，报修{ticket}，{count}催办。",
    "另据{other2}陈述，其电话{landline}，邮箱{email}。",
    "{word}时段车流大，{community}门口{road}{road_no}附近常有拥堵。",
    "vx：{wechat}，扣扣{qq}，手机同号{mobile}。",
    "WeChat: {wechat}；QQ号码是{qq}；E-mail：{email}。",
    "{official}让{given}先回家等通知，{given}的母亲{other}不同意。",
    "当天{other}本人到{district}{org}{window}，告诉{given}：按{docyear}不予受理。",
    "{name}的车{plate}在{road}被贴罚单，罚款{amount}，{isodate}缴纳。",
    "户籍地址{house}，身份证{idother}，现住{community}{house}。",
    "请回拨{landline}或{phone}，{time}前有人。",
    "邻居{unheld}称其{floor}经常有噪声，{role_word}也知情。",
    "据邻居{unheld}说，{role_word}已向{org}反映。",
    "{role_word}的意见由{official}协调，业主{unheld}的车{plate}仍占道。",
    "网购{order}的商品未送达，{org}称已转办，{given}表示不满。",
    "停水时段{date_pair}，{org}未提前公告，{other}的电话{mobile}打不通。",
    "小区内{count_word}的问题，{org}在{date}前未答复，住{community}{house}的{name}再次来电。",
)


def build(case: _Case, templates: list[str], known_phone_form: bool = True) -> Sample:
    sample = Sample("", case.known(), case.others)
    parts: list[str] = []
    at = 0
    for template in templates:
        for index, piece in enumerate(re.split(r"\{(\w+)\}", template)):
            if index % 2 == 0:
                parts.append(piece)
                at += len(piece)
                continue
            if piece in PERSONAL:
                kind, text = PERSONAL[piece](case)  # type: ignore[misc]
                held = kind.endswith("!")
                sample.personal.append(Span(kind.rstrip("!"), at, at + len(text), held))
            else:
                text = ORDINARY[piece](case)  # type: ignore[assignment]
                sample.ordinary.append(Span(piece, at, at + len(text)))
            parts.append(text)
            at += len(text)
    sample.text = "".join(parts)
    return sample


def corpus(size: int = 2400, seed: int = 2016) -> list[Sample]:
    """`size` complaint texts of four to eight sentences each."""
    r = random.Random(seed)
    samples = []
    for _ in range(size):
        case = _Case(r)
        samples.append(build(case, r.sample(TEMPLATES, r.randint(4, 8))))
    return samples


def text_of_length(sample_texts: list[str], length: int) -> list[str]:
    """Texts of about `length` characters, each several samples' texts joined and cut at a sentence's end."""
    out: list[str] = []
    current = ""
    for text in sample_texts:
        current += text
        if len(current) >= length:
            cut = current.rfind("。", 0, length + 1)
            out.append(current[: cut + 1 if cut > 0 else length])
            current = ""
    return out
