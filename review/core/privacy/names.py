"""Persons' names as 法释〔2016〕19号 publishes them: the surname stays, the given name becomes 某.

Several persons of one case with one surname are told apart in the order the platform holds them (张某甲, 张某乙),
so that one case reads the same in every text. A given name said alone (小明) is that person too, but the same
characters inside an ordinary word (早晚高峰, 向阳小区, 建国路) are not: `stands_as_name` tells the two apart. A
given name of two or more characters said alone is replaced unless a place or organisation word follows it or it
lies inside a longer common word; one that is itself an ordinary word (光明, 国庆) only beside a verb of speech or
address; a one-character given name alone (峰, 阳) never, since it stands inside too many words. A person the
platform holds no name for is found only after a word that says who they are (`unheld_names`: 邻居王建国称).
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
    r"大学|学校|幼儿园|医院|门(?!牌)|站|线|河|江|湖|山|楼|里|湾|园|庄|屯|堡|坝|店|厂|公司|集团|超市|酒店|宾馆|"
    r"节|以来|时期|年代|牌|号|期|组|院|馆|所|局|委|办|处|科|队)"
)
# Ordinary words that hold a common given name as characters; a given name inside one of them is not a name.
COMMON_WORDS = (
    "高峰", "早晚高峰", "高峰期", "高峰时段", "高峰时间", "向阳花",
    "向阳", "阳光", "太阳", "建国以来", "新中国", "国庆", "春节", "建军节", "建设", "和平",
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


def surname_before(normal: str, start: int) -> str:
    """The surname right before `start` (compound ones first), so that the given name there is another person's;
    "" when there is none."""
    for size in (2, 1):
        before = normal[max(0, start - size) : start]
        if len(before) == size and (before in _COMPOUND if size == 2 else before in _SURNAMES):
            return before
    return ""


def stands_as_name(normal: str, start: int, end: int, *, word_too: bool = True) -> bool:
    """Whether the name at normal[start:end] stands as a name, not as characters of a longer word; with
    `word_too`, a name that is itself an ordinary word (光明, 国庆, 高峰) needs a verb of speech or address or a
    role word (诉求人) beside it."""
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
        return bool(_NAME_AFTER.match(normal, end) or _ROLE_BEFORE.search(normal, 0, start)) or (
            ends and bool(_NAME_BEFORE.search(normal, 0, start))
        )
    return True


# A person the platform does not hold, named after a word that says who they are (邻居王建国称, 业主李娜的): the
# surname and one or two characters, where a boundary follows (punctuation, a verb of speech, a particle).
# Words that say who a person is. After the nouns (邻居, 业主 …) a person the platform does not hold is looked for;
# after a party to the case (诉求人, 申请人 …) a verb is as likely as a name (诉求人陈述), so only held names count.
_PERSON_ROLE = (
    "邻居|业主|租户|房东|房客|村民|居民|市民|同事|丈夫|妻子|儿子|女儿|父亲|母亲|患者|家属|司机|店主|老板|商户|名叫|"
    "叫做|姓名[:：]?"
)
_ROLE = _PERSON_ROLE + "|当事人|投诉人|诉求人|来电人|联系人|申请人|代理人|证人|受害人|肇事者|对方"
_ROLE_BEFORE = re.compile(rf"(?:{_ROLE})$")
_HONORIFIC = re.compile(
    r"(?:女士|先生|小姐|师傅|阿姨|大爷|大妈|大姐|大哥|老师|同志|医生|律师|警官|经理|老板|局长|主任|科长|处长|书记|"
    r"所长|站长|队长|组长|院长|校长|区长|市长|县长|镇长|乡长|村长|社长|部长|厅长|总|工|某)"
)
_AFTER_NAME = re.compile(
    r"(?:[，。；：、！？,.;:!?（）()“”\"'\s]|$|说|称|讲|表示|反映|认为|要求|的|在|和|与|把|等|也|又|就|将|被|向|对|给|从|"
    r"到|曾|已|均|多次|再|拒|不|没|未|报|打|骂|占|堵|家|于)"
)
# What a surname's character also begins as an everyday word (邻居解决, 房东方面, 市民高度关注).
_NOT_NAMES = frozenset((
    "方面", "方式", "方法", "方便", "方向", "方案", "方可", "高度", "高层", "高楼", "高兴", "高于", "金额", "金钱", "石头", "石材",
    "江边", "江面", "黄色", "马路", "马上", "田地", "周边", "周围", "周末", "许多", "许可", "常常", "常住", "常年", "任何", "任务",
    "任意", "何时", "何况", "林业", "林木", "华侨", "白天", "万元", "万一", "钱款", "严重", "严格", "孔洞", "温度", "康复", "齐全",
    "包括", "包装", "宁愿", "宁可", "章程", "岳父", "岳母", "毕业", "毕竟", "季度", "季节", "管理", "柴油", "房屋", "房子", "景区",
    "党员", "冷水", "卫生", "柏油", "龙头", "史上", "陶瓷", "陈述", "陈列", "陈旧", "张贴", "程序", "程度", "余额", "余下", "杜绝",
    "谢谢", "曾经", "肖像", "董事", "苏醒", "丁点", "钟点", "陆续", "范围", "夏天", "夏季", "付款", "付费", "段落", "雷雨", "黎明",
    "顾及", "顾客", "毛病", "莫名", "施工", "庞大", "颜色", "章节", "申请", "申报", "申诉", "申明", "焦急", "尚未", "符合", "舒适",
    "纪律", "凌晨", "蓝色", "辛苦", "解决", "解释", "解除", "尤其", "简单", "项目", "费用", "荣誉", "甄别", "仲裁", "巩固", "迟到",
    "迟迟", "于是", "易于", "连续", "水电", "石油", "汤水", "牛奶", "吉利", "伍佰", "邢台", "卢沟", "戴上", "殷切", "詹姓", "欧式",
    "关于", "关门", "乔装", "全部", "全体", "全面", "明白", "明显", "平时", "安全", "文件", "和睦", "白色", "向来", "成立", "成为",
    "成本", "时间", "时候", "司法", "宣传", "路面", "路口", "车辆", "车位", "车库", "水管", "米面", "麦子", "艾滋", "卓越", "古老",
    "简直", "左右", "石块", "金属", "宋体", "贺卡", "晏起", "韦氏", "鲍鱼", "柯式", "秦岭", "梅雨", "童年", "池塘", "冷气", "宫颈",
    "费心", "盛大", "贾氏", "毛坯", "樊笼", "蒲扇", "游泳", "祝贺",
))  # fmt: skip
_UNHELD = re.compile(
    rf"(?=[{''.join(sorted({w[0] for w in _PERSON_ROLE.split('|')}))}])(?:{_PERSON_ROLE})"
    rf"(?P<n>(?:{'|'.join(COMPOUND_SURNAMES)}|[{''.join(sorted(_SURNAMES))}])[\u4e00-\u9fff]{{1,2}})"
)


def unheld_names(normal: str) -> list[tuple[int, int, str]]:
    """Persons named after a role word, the platform holding no name for them: (start, end, public name)."""
    found = []
    for match in _UNHELD.finditer(normal):
        start, end = match.span("n")
        family = surname(normal[start:end])
        given_start = start + len(family)
        # 陈静的, 张强说: a particle or a verb right after one character ends a one-character given name
        sizes = (1,) if _AFTER_NAME.match(normal, given_start + 1) else (2, 1)
        for size in sizes:
            given = normal[given_start : given_start + size]
            if given_start + size > end or _HONORIFIC.match(given) or (family + given)[:2] in _NOT_NAMES:
                continue
            if _HONORIFIC.match(normal, given_start + size) or not _AFTER_NAME.match(
                normal, given_start + size
            ):
                continue
            found.append((start, given_start + size, family + "某"))
            break
    return found
