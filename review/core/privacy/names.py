"""Persons' names as 法释〔2016〕19号 publishes them: the surname stays, the given name becomes 某.

Several persons of one case with one surname are told apart in the order the platform holds them (张某甲, 张某乙),
so that one case reads the same in every text. A given name said alone (小明) is that person too, but the same
characters inside an ordinary word (早晚高峰, 向阳小区, 建国路) are not: `stands_as_name` tells the two apart.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

COMPOUND_SURNAMES = (
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "长孙", "宇文", "夏侯",
    "轩辕", "端木", "南宫", "西门", "独孤", "司徒", "司空", "闻人", "万俟", "呼延", "澹台", "申屠", "宗政",
    "濮阳", "淳于", "单于", "太叔", "公羊", "钟离", "仲孙", "鲜于", "赫连", "百里", "东郭", "公冶", "拓跋",
    "谷梁", "乐正", "漆雕", "壤驷", "公良", "巫马", "左丘", "梁丘", "东门", "微生", "羊舌", "段干", "司寇",
    "亓官", "子车", "颛孙", "公西", "夹谷", "宰父", "南门", "第五", "完颜", "爱新觉罗", "叶赫那拉",
)  # fmt: skip

_COMPOUND = frozenset(COMPOUND_SURNAMES)
# Common one-character surnames whose character is not also an everyday function word (和, 向, 于, 从, 把 … are
# surnames too, but "我和小明" names one person, not 和小明): a held given name right after one of these is
# another person of that surname.
_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚"
    "卢姜崔钟谭陆汪范金石廖贾夏韦付方邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔汤常"
    "温康施牛樊葛邢齐乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿焦俞柳甘祝包宁尚符舒阮柯纪梅童凌毕季裴霍涂苗谷盛"
    "翁冉骆蓝游辛靳管柴蒙鲍喻祁蒲房滕屈饶解牟艾尤穆卓古缪简项芦麦褚娄窦戚岑景党宫费卜冷晏卫柏宗瞿桂"
    "佟臧闵苟邬卞姬仇栾隋刁荣巫寇桑郎甄丛仲虞敖巩佘池迟邝"
)
_ORDINALS = "甲乙丙丁戊己庚辛壬癸"

# What may follow characters that are a place, an organisation, a festival or a time, not a person.
_PLACE_AFTER = re.compile(
    r"(?:路|街|道|巷|弄|胡同|大道|村|镇|乡|区|县|市|省|小区|社区|花园|苑|府|城|广场|公园|桥|大厦|中心|中学|小学|"
    r"大学|学校|幼儿园|医院|门|站|线|河|江|湖|山|楼|里|湾|园|庄|屯|堡|坝|店|厂|公司|集团|超市|酒店|宾馆|"
    r"节|以来|时期|年代|牌|号|期|组|院|馆|所|局|委|办|处|科|队)"
)
# Ordinary words that hold a common given name as characters; a given name inside one of them is not a name.
COMMON_WORDS = (
    "高峰", "早晚高峰", "向阳", "阳光", "太阳", "建国以来", "新中国", "国庆", "春节", "建军节", "建设", "和平",
    "光明", "胜利", "文明", "平安", "幸福", "红旗", "明天", "明白", "明显", "明确", "说明", "证明", "表明",
    "声明", "透明", "照明", "小明显", "华丽", "中华", "繁华", "海洋", "春天", "秋天", "安全", "安静",
    "美丽", "丽水", "志愿", "志愿者", "强烈", "加强", "坚强", "勉强", "英雄", "精英", "军队", "冠军", "国家",
    "家庭", "伟大", "雄伟", "东方", "一平", "平时", "平方", "公平", "水平", "和谐", "振兴", "发展", "兴旺",
    "旺季", "春风", "风险", "作风", "文化", "化解", "新华", "新闻", "天气", "天然气", "玉林", "林业", "森林",
    "园林", "利民", "便民", "为民", "人民", "民生", "居民", "村民", "市民", "军民", "爱民", "惠民",
)  # fmt: skip
_COMMON = re.compile("|".join(sorted(map(re.escape, COMMON_WORDS), key=len, reverse=True)))
# Where a given name that is itself an ordinary word still reads as a name: around a verb of speech or address.
_NAME_BEFORE = re.compile(
    r"(?:称|说|问|叫|找|让|给|对|与|和|跟|同|被|由|把|请|向|替|帮|告诉|通知|联系|转告)$"
)
_HAN = re.compile(r"[\u4e00-\u9fff]")
_NAME_AFTER = re.compile(
    r"(?:称|说|讲|表示|反映|认为|告诉|同志|先生|女士|师傅|本人|来电|致电|要求|家|先|的(?:母亲|父亲|妻子|丈夫|"
    r"儿子|女儿|家人|孩子|邻居|同事))"
)


def surname(name: str) -> str:
    """王小明 → 王; 欧阳娜娜 → 欧阳."""
    name = name.strip()
    return next((name[:n] for n in (4, 3, 2) if len(name) > n and name[:n] in _COMPOUND), name[:1])


def mask_name(name: str) -> str:
    """王小明 → 王某; 欧阳娜娜 → 欧阳某."""
    name = name.strip()
    return surname(name) + "某" if name else ""


def given_name(name: str) -> str:
    """王小明 → 小明."""
    name = name.strip()
    return name[len(surname(name)) :]


def labels(names: Iterable[str]) -> dict[str, str]:
    """Each person's public name; persons sharing a surname told apart in the order given (张某甲, 张某乙)."""
    people = list(dict.fromkeys(n.strip() for n in names if n and n.strip()))
    by_surname: dict[str, list[str]] = {}
    for name in people:
        by_surname.setdefault(surname(name), []).append(name)
    out: dict[str, str] = {}
    for family, members in by_surname.items():
        for index, name in enumerate(members):
            if len(members) == 1:
                out[name] = family + "某"
            else:
                ordinal = _ORDINALS[index] if index < len(_ORDINALS) else str(index + 1)
                out[name] = f"{family}某{ordinal}"
    return out


def another_person_before(normal: str, start: int) -> bool:
    """Whether the character before `start` is a surname, so that the given name there is another person's."""
    return start > 0 and normal[start - 1] in _SURNAMES


def stands_as_name(normal: str, start: int, end: int, *, word_too: bool = True) -> bool:
    """Whether the name at normal[start:end] stands as a name, not as characters of a longer word; with
    `word_too`, a name that is itself an ordinary word (光明, 国庆) needs a verb of speech or address beside it."""
    if _PLACE_AFTER.match(normal, end):
        return False
    given = normal[start:end]
    window_start = max(0, start - 4)
    for word in _COMMON.finditer(normal, window_start, min(len(normal), end + 4)):
        if word.start() < end and start < word.end() and (word.start() < start or word.end() > end):
            return False
    if word_too and _COMMON.fullmatch(given):
        # 称国庆假期 is a holiday; 对国庆说, 国庆称, 找国庆。 are a person
        ends = end == len(normal) or not _HAN.match(normal[end])
        return bool(_NAME_AFTER.match(normal, end)) or (ends and bool(_NAME_BEFORE.search(normal, 0, start)))
    return True
