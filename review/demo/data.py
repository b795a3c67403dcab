"""Deterministic demo data for Chengdu: districts, departments, a panel roster and unsatisfied cases.

Pure module: standard library only, no database, no I/O. Everything random comes from the
``random.Random`` passed in, so the same seed always yields the same data.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from review.core.clock import CHINA

# fmt: off
DISTRICTS: tuple[str, ...] = (
    "锦江区", "青羊区", "金牛区", "武侯区", "成华区", "龙泉驿区", "青白江区", "新都区", "温江区", "双流区",
    "郫都区", "新津区", "高新区", "天府新区", "东部新区", "简阳市", "都江堰市", "彭州市", "邛崃市", "崇州市",
    "金堂县", "大邑县", "蒲江县",
)

COMMUNITIES: dict[str, tuple[str, ...]] = {
    "锦江区": ("水井坊社区", "春熙路社区", "莲新社区", "东湖社区", "书院街社区"),
    "青羊区": ("草堂社区", "宽窄巷子社区", "府南社区", "光华社区", "文家社区"),
    "金牛区": ("茶店子社区", "营门口社区", "沙湾社区", "九里堤社区", "驷马桥社区"),
    "武侯区": ("玉林社区", "红牌楼社区", "簇桥社区", "桐梓林社区", "晋阳社区", "浆洗街社区"),
    "成华区": ("建设路社区", "猛追湾社区", "双桥子社区", "万年场社区", "跳蹬河社区"),
    "龙泉驿区": ("驿都社区", "十陵社区", "大面社区", "同安社区"),
    "青白江区": ("大弯社区", "红阳社区", "弥牟社区", "城厢社区"),
    "新都区": ("桂湖社区", "大丰社区", "三河社区", "斑竹园社区", "新繁社区"),
    "温江区": ("柳城社区", "公平社区", "涌泉社区", "天府社区", "金马社区"),
    "双流区": ("东升社区", "九江社区", "西航港社区", "黄甲社区", "彭镇社区"),
    "郫都区": ("郫筒社区", "犀浦社区", "红光社区", "安德社区", "团结社区"),
    "新津区": ("五津社区", "花源社区", "花桥社区", "兴义社区"),
    "高新区": ("芳草社区", "肖家河社区", "中和社区", "石羊社区", "桂溪社区", "合作社区"),
    "天府新区": ("华阳社区", "正兴社区", "兴隆社区", "万安社区", "煎茶社区"),
    "东部新区": ("绛溪社区", "三岔社区", "石板凳社区", "贾家社区"),
    "简阳市": ("简城社区", "射洪坝社区", "东溪社区", "石桥社区"),
    "都江堰市": ("灌口社区", "幸福社区", "银杏社区", "蒲阳社区"),
    "彭州市": ("天彭社区", "致和社区", "丽春社区", "隆丰社区"),
    "邛崃市": ("临邛社区", "文君社区", "羊安社区", "平乐社区"),
    "崇州市": ("崇阳社区", "三江社区", "江源社区", "怀远社区"),
    "金堂县": ("赵镇社区", "淮口社区", "五凤社区", "官仓社区"),
    "大邑县": ("晋原社区", "安仁社区", "新场社区", "王泗社区"),
    "蒲江县": ("鹤山社区", "寿安社区", "大塘社区", "西来社区"),
}

_ROADS: tuple[str, ...] = (
    "人民南路", "蜀都大道", "红星路", "天府大道", "科华北路", "玉林南路", "建设北路", "府青路", "光华大道",
    "抚琴西路", "一环路西三段", "二环路北四段", "蜀汉路", "沙湾路", "双林路", "龙泉大道", "迎宾大道",
    "星河路", "剑南大道", "益州大道", "华阳大道", "红光大道", "柳城大道", "迎春路",
)
_ESTATE_HEADS = ("锦绣", "翠苑", "阳光", "金沙", "蓝湾", "滨江", "天府", "蜀韵", "芙蓉", "桂园", "紫荆", "和美")
_ESTATE_TAILS = ("花园", "家园", "小区", "雅苑", "公馆", "名城", "新居", "佳苑")
# fmt: on


@dataclass(frozen=True)
class DepartmentSeed:
    """A department (承办部门) as the hotline platform knows it."""

    code: str
    name: str
    level: str  # 市级 / 区级
    district: str  # "" for city level


DEPARTMENTS: tuple[DepartmentSeed, ...] = (
    DepartmentSeed("CDJT", "成都市交通运输局", "市级", ""),
    DepartmentSeed("CDZJ", "成都市住房和城乡建设局", "市级", ""),
    DepartmentSeed("CDCG", "成都市城市管理委员会", "市级", ""),
    DepartmentSeed("CDSW", "成都市水务局", "市级", ""),
    DepartmentSeed("CDGA", "成都市公安局交通管理局", "市级", ""),
    DepartmentSeed("CDGAJ", "成都市公安局", "市级", ""),
    DepartmentSeed("CDSC", "成都市市场监督管理局", "市级", ""),
    DepartmentSeed("CDJY", "成都市教育局", "市级", ""),
    DepartmentSeed("CDWJ", "成都市卫生健康委员会", "市级", ""),
    DepartmentSeed("CDRS", "成都市人力资源和社会保障局", "市级", ""),
    DepartmentSeed("CDHB", "成都市生态环境局", "市级", ""),
    DepartmentSeed("CDZR", "成都市规划和自然资源局", "市级", ""),
    DepartmentSeed("CDMZ", "成都市民政局", "市级", ""),
    DepartmentSeed("CDGT", "成都市公园城市建设管理局", "市级", ""),
    DepartmentSeed("CDJX", "成都市经济和信息化局", "市级", ""),
    DepartmentSeed("WHQ", "成都市武侯区人民政府", "区级", "武侯区"),
    DepartmentSeed("JJQ", "成都市锦江区人民政府", "区级", "锦江区"),
    DepartmentSeed("QYQ", "成都市青羊区人民政府", "区级", "青羊区"),
    DepartmentSeed("JNQ", "成都市金牛区人民政府", "区级", "金牛区"),
    DepartmentSeed("CHQ", "成都市成华区人民政府", "区级", "成华区"),
    DepartmentSeed("GXQ", "成都高新技术产业开发区管理委员会", "区级", "高新区"),
)
DEPARTMENTS_BY_CODE: dict[str, DepartmentSeed] = {d.code: d for d in DEPARTMENTS}
_DISTRICT_GOVS = ("WHQ", "JJQ", "QYQ", "JNQ", "CHQ", "GXQ")

# fmt: off
_GOVS = ("WHQ", "JJQ", "QYQ", "JNQ", "CHQ", "GXQ")  # district governments

# Concrete problems: (category, plausible handling departments, two-sentence description, matching reply).
_CASES: tuple[tuple[str, tuple[str, ...], str, str], ...] = (
    ("城市管理", ("CDCG",) + _GOVS,
     "{community}附近{road}的人行道上有一个井盖缺失，只用几块砖头围着。晚上路灯昏暗，已经有老人不慎踩空摔伤。",
     "经核实，{dept}已安排人员到现场设置警示标志并补装井盖，同时要求属地街道加强日常巡查。"),
    ("城市管理", ("CDCG",) + _GOVS,
     "{community}附近{road}沿线每天傍晚都有流动摊贩占道经营，烧烤摊一直摆到半夜。人行道被完全占用，行人只能走机动车道。",
     "{dept}已组织执法队员开展夜间专项整治，劝离占道摊贩。因摊贩流动性大，将持续巡查。"),
    ("城市管理", ("CDCG",) + _GOVS,
     "{estate}门口的垃圾收集点已经{days}天没有清运，垃圾堆满溢出。天气热，蚊蝇滋生，气味很大。",
     "{dept}已督促环卫作业单位完成清运，并调整该点位的清运频次。"),
    ("城市管理", ("CDCG",) + _GOVS,
     "{estate}一楼住户在公共绿地上搭建阳光房，面积有二三十平方米。业主多次向物业反映，违建反而越搭越大。",
     "{dept}已对该违法建设下达限期拆除通知书，逾期未拆除的将依法强制拆除。"),
    ("交通出行", ("CDJT",),
     "{route}路公交车从本月起调整线路，不再经过{community}。最近的站点要步行二十多分钟，小区老人较多，出行很不方便。",
     "线路调整系根据客流数据优化运力，{dept}将持续评估沿线居民的出行需求。"),
    ("交通出行", ("CDJT",),
     "我在{road}打出租车去{community}，司机嫌路程近拒载，态度还很恶劣。我记下了车牌号，希望严肃处理。",
     "{dept}已约谈涉事出租车企业，对驾驶员进行批评教育并扣减其服务质量信誉分。"),
    ("交通出行", ("CDGA",),
     "{road}靠近{estate}的路段长期有车辆违停，早晚高峰堵得水泄不通。交警偶尔来贴罚单，过几天又恢复原样。",
     "{dept}已安排警力在高峰时段加强该路段巡查，依法查处违停车辆。"),
    ("交通出行", ("CDGA",),
     "{road}与{road2}路口的行人绿灯只有十几秒。老人和孩子根本走不过去，险情时有发生。",
     "经现场评估，该路口信号配时符合规范。{dept}将结合流量变化适时优化。"),
    ("住房物业", ("CDZJ",) + _GOVS,
     "我住在{district}{estate}，物业公司长期不作为，电梯经常故障停运，楼道灯坏了几个月没人修。业主多次反映，物业只是登记，从没有处理结果。",
     "{dept}已会同属地街道约谈物业服务企业，责令其限期整改，并将其纳入信用评价。"),
    ("住房物业", ("CDZJ",) + _GOVS,
     "{estate}{n}栋楼顶防水层破损，一下雨顶楼住户家里就漏水。已向开发商和物业反映{times}次，双方互相推诿。",
     "经核实，该问题属于开发企业与业主之间的民事纠纷。{dept}已督促双方协商解决，建议诉求人通过司法途径维权。"),
    ("规划国土", ("CDZR",),
     "{estate}交房已经{years}年，不动产权证至今办不下来。开发商一直说在走流程，没有给出明确时间。",
     "经核实，该项目开发企业尚未完成竣工验收备案，暂不具备办证条件。{dept}已督促企业加快办理。"),
    ("规划国土", ("CDZR",),
     "{estate}旁边原本规划的幼儿园用地，现在被改成了商业项目。买房时开发商宣传有配套幼儿园，要求公开规划变更的依据。",
     "经核实，该地块规划调整已依法履行公示程序。{dept}将督促相关单位落实配套设施。"),
    ("环境保护", ("CDCG", "CDHB"),
     "{estate}楼下新开了几家餐馆，油烟管道直接对着居民楼排放。每天中午和晚上油烟扰民，窗户都不敢开。",
     "{dept}已对相关商户开展现场检查，责令其安装油烟净化设施并定期清洗。"),
    ("环境保护", ("CDHB", "CDZJ"),
     "{community}附近的工地每天晚上十点以后还在施工，渣土车进出噪音很大。居民休息受到严重影响。",
     "经现场监测，噪声值未超过排放标准。{dept}已要求施工单位合理安排作业时间。"),
    ("环境保护", ("CDHB", "CDGAJ"),
     "{estate}隔壁的酒吧每晚音响声音很大，一直持续到凌晨两三点。小区噪音问题严重，老人孩子都睡不好。",
     "{dept}已对该酒吧进行检查，责令其降低音量，晚上十点后不得使用室外扩音设备。"),
    ("环境保护", ("CDHB", "CDSW"),
     "{community}旁边的小河沟最近又黑又臭，有排污口往河里排污水。夏天气味熏人，居民散步都要绕道。",
     "{dept}已组织人员排查沿河排污口，对违法排污行为依法立案查处。"),
    ("市场监管", ("CDSC",),
     "我在{road}一家健身房办了会员卡，预付了{amount}元。现在商家突然关门，老板联系不上。",
     "{dept}已对该经营者立案调查，并引导消费者通过调解或诉讼途径维权。"),
    ("市场监管", ("CDSC",),
     "在{community}附近一家超市买到的食品已过保质期。商家拒绝退换，只愿意送一张优惠券。",
     "经核查，商家已下架过期商品。{dept}已依法责令其改正，并将持续加强监督检查。"),
    ("教育", ("CDJY",),
     "孩子今年上小学，我家住在{estate}，按划片应该就读{school}。学校却说学位已满，把孩子统筹到三公里外的学校。",
     "{dept}严格按照划片招生政策执行。该片区学位紧张，已依规统筹安排入学。"),
    ("教育", ("CDJY",),
     "{school}在课后服务费之外另收资料费，每学期{amount}元。家长不清楚收费依据，学校也不给票据。",
     "{dept}已责成学校进行自查，对不符合规定的收费予以清退。"),
    ("教育", ("CDJY",),
     "孩子在{road}一家校外培训机构报了课，预交学费{amount}元。机构突然停课，退费迟迟不办。",
     "{dept}已约谈该培训机构负责人，督促其制定退费方案。"),
    ("医疗卫生", ("CDWJ",),
     "{community}卫生服务中心打疫苗要提前一周预约，现场还要排两个多小时队。工作人员态度冷淡，问什么都说不知道。",
     "{dept}已要求该中心优化预约流程，并对相关工作人员进行批评教育。"),
    ("医疗卫生", ("CDWJ",),
     "我父亲在{district}一家医院住院{days}天，结账时发现多项检查费用重复收取。向医院询问，医院只说以系统为准。",
     "经调查，相关费用收取符合规定。{dept}已要求医院向患者家属做好解释。"),
    ("劳动社保", ("CDRS",),
     "我在{district}一个建筑工地做了{months}个月钢筋工，包工头至今拖欠工资{amount}元。和我一起的{n}个工友都没拿到钱，去项目部也没人管。",
     "{dept}已向用人单位下达劳动保障监察限期整改指令书，责令其依法支付劳动报酬。"),
    ("劳动社保", ("CDRS",),
     "公司已经{months}个月没有给我缴纳社保。我去问人事，人事说公司资金困难，让我再等等。",
     "{dept}已督促企业补缴社保费用。企业称经营困难，已同意分期补缴。"),
    ("水电气", ("CDSW",),
     "{estate}最近{days}天频繁停水，事先没有任何通知。高层住户白天基本用不上水。",
     "经核实，停水系管网抢修所致。{dept}已督促供水企业恢复供水并做好提前告知。"),
    ("水电气", ("CDCG",),
     "{estate}的燃气管道改造已经拖了{months}个月，至今没有通气。冬天快到了，居民做饭洗澡都成问题。",
     "{dept}已协调燃气企业加快施工进度，预计近期完成通气。"),
    ("水电气", ("CDJX",),
     "{estate}这个月已经停电{times}次，每次好几个小时。家里冰箱的东西都坏了，供电公司只说是线路老化。",
     "{dept}已协调供电企业对该小区线路进行检修，并督促其制定改造计划。"),
    ("社会治安", ("CDGAJ",) + _GOVS,
     "{community}附近经常有人深夜聚集喝酒闹事。周围居民多次报警，过后还是老样子。",
     "{dept}已会同属地派出所加强该区域夜间巡逻，并联合社区开展治安整治。"),
    ("社会治安", ("CDGAJ",) + _GOVS,
     "{estate}近一个月连续发生电动车被盗。小区监控大多是坏的，物业也不管。",
     "{dept}已督促辖区派出所加大巡防力度，并要求物业修复监控设施。"),
    ("民政服务", ("CDMZ",),
     "我父亲八十多岁，独自住在{community}，申请居家养老服务补贴{months}个月没有结果。社区说材料交上去了，街道说还在审核。",
     "经核实，申请材料不完整。{dept}已要求街道一次性告知所需材料并尽快办理。"),
    ("民政服务", ("CDMZ",),
     "我家因病致贫，向{community}申请最低生活保障被驳回。工作人员没有说明理由，也不告诉我们怎么复核。",
     "{dept}已要求街道重新入户核查家庭经济状况，并依规告知复核途径。"),
    ("园林绿化", ("CDGT",),
     "{road}上的行道树多年没有修剪，枝条已经伸进{estate}低层住户的窗户。刮风时树枝乱晃，居民担心砸到人。",
     "{dept}已安排养护单位对该路段行道树进行修剪，并纳入日常巡查。"),
    ("园林绿化", ("CDGT",),
     "{community}附近社区公园的健身器材坏了大半年，一直没人修。有老人锻炼时被断裂的器材划伤。",
     "{dept}已督促公园管理单位更换损坏器材，近期完成维修。"),
)

CATEGORIES: tuple[str, ...] = (
    "城市管理", "交通出行", "住房物业", "环境保护", "市场监管", "教育", "医疗卫生", "劳动社保", "水电气",
    "社会治安", "民政服务", "园林绿化", "规划国土",
)
_CATEGORY_WEIGHTS = (16, 12, 16, 11, 8, 7, 5, 8, 6, 4, 3, 3, 3)
CATEGORY_DEPARTMENTS: dict[str, tuple[str, ...]] = {
    cat: tuple(dict.fromkeys(code for c, codes, _, _ in _CASES if c == cat for code in codes))
    for cat in CATEGORIES
}

# Categories whose cases concern a township's or sub-district's own affairs (镇街事务): district governments
# and their sub-district offices handle them (see `_CASES`), so their panels seat a township representative.
TOWNSHIP_CATEGORIES: tuple[str, ...] = ("城市管理", "住房物业", "社会治安", "民政服务")
_STANDARD_SEATS = {"lawyer": 1, "deputy": 1, "resident": 2, "expert": 1}


def category_templates() -> list[dict[str, Any]]:
    """Composition templates the demo adds beside the default: one per township category, with its seat."""
    return [
        {"name": f"{category}评议组（含镇街代表，6 人）", "category": category,
         "seats": {**_STANDARD_SEATS, "township": 1}, "chair_roles": ["lawyer", "deputy"],
         "prefer_local_residents": True}
        for category in TOWNSHIP_CATEGORIES
    ]


ROLES: tuple[str, ...] = ("lawyer", "deputy", "resident", "expert", "township")
_ROLE_SHARES = (30, 30, 55, 25, 10)  # out of 150
CHANNELS: tuple[str, ...] = ("hotline", "mailbox", "app", "wechat", "weibo", "web")
_CHANNEL_WEIGHTS = (60, 6, 10, 12, 4, 8)

_SURNAMES = "王李张刘陈杨黄赵周吴罗何邓谢唐曾蒋彭冯胡袁杜向雷徐孙马朱郭林高梁钟廖付"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红玉兰文斌俊峰辉鹏宇浩婷雪琴欣怡晨阳丹蓉川渝"
_LAW_FIRMS = ("锦衡", "蓉信", "明理", "恒正", "川达", "君和", "正则", "天府明德", "蜀道", "宽和")
_DEPUTY_UNITS = (
    "成都蜀兴实业有限公司", "成都锦程物流有限公司", "四川蓉光电子科技有限公司", "成都天和农业专业合作社",
    "{district}第一中学", "{district}人民医院", "{community}党委",
)
_INSTITUTES = (
    "四川大学法学院", "西南交通大学交通运输与物流学院", "电子科技大学公共管理学院", "西南财经大学法学院",
    "成都理工大学环境学院", "四川省社会科学院", "四川师范大学教育科学学院", "成都市建筑设计研究院",
    "成都大学城乡建设学院", "四川省环境保护科学研究院",
)
# fmt: on


@dataclass(frozen=True)
class RosterSeed:
    """A person on the panel roster (评议员名册)."""

    name: str
    role: str
    district: str
    community: str
    employer: str
    affiliations: tuple[str, ...]  # department codes the member works for or with
    expertise: tuple[str, ...]  # categories
    max_panels: int


@dataclass(frozen=True)
class ComplaintSeed:
    """An unsatisfied hotline case, as the platform would push it to intake."""

    source_ref: str
    channel: str
    received_at: datetime
    category: str
    district: str
    community: str
    department_code: str
    complainant_name: str
    complainant_phone: str
    content: str
    reply: str
    replied_at: datetime
    rated_at: datetime
    wants_review: bool
    rating: str = "unsatisfied"


def person_name(rng: random.Random) -> str:
    """A plausible Chinese name: common surname plus a one- or two-character given name."""
    given = rng.choice(_GIVEN) + (rng.choice(_GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(_SURNAMES) + given


def _role_counts(count: int) -> list[int]:
    """Split ``count`` by the 30/30/55/25/10 shares (largest remainder), each role present if count ≥ 5."""
    total = sum(_ROLE_SHARES)
    exact = [count * s / total for s in _ROLE_SHARES]
    counts = [int(x) for x in exact]
    order = sorted(range(len(exact)), key=lambda i: (counts[i] - exact[i], i))
    for i in order[: count - sum(counts)]:
        counts[i] += 1
    for i, c in enumerate(counts):
        if c == 0 and count >= len(ROLES):
            counts[i] = 1
            counts[counts.index(max(counts))] -= 1
    return counts


def roster_members(rng: random.Random, count: int = 150) -> list[RosterSeed]:
    """``count`` roster members with unique names; about 10 % declare one department affiliation."""
    if count < 0:
        raise ValueError("count must not be negative")
    roles = [r for r, n in zip(ROLES, _role_counts(count)) for _ in range(n)]
    affiliated = set(rng.sample(range(count), round(count * 0.1)))
    names: set[str] = set()
    members: list[RosterSeed] = []
    for i, role in enumerate(roles):
        name = person_name(rng)
        while name in names:
            name = person_name(rng)
        names.add(name)
        district = rng.choice(DISTRICTS)
        community = rng.choice(COMMUNITIES[district])
        if role == "lawyer":
            employer = f"四川{rng.choice(_LAW_FIRMS)}律师事务所"
            expertise = tuple(rng.sample(CATEGORIES, rng.randint(1, 3)))
            max_panels = rng.randint(6, 10)
        elif role == "deputy":
            body = rng.choice(("成都市人大代表", "成都市政协委员", f"{district}人大代表"))
            unit = rng.choice(_DEPUTY_UNITS).format(district=district, community=community)
            employer = f"{body}（{unit}）"
            expertise = tuple(rng.sample(CATEGORIES, rng.randint(1, 2)))
            max_panels = rng.randint(4, 8)
        elif role == "resident":
            employer = f"{district}{community}"
            expertise = tuple(rng.sample(CATEGORIES, rng.randint(0, 1)))
            max_panels = rng.randint(3, 6)
        elif role == "expert":
            employer = rng.choice(_INSTITUTES)
            expertise = tuple(rng.sample(CATEGORIES, rng.randint(1, 2)))
            max_panels = rng.randint(3, 6)
        else:
            employer = f"{district}{community.removesuffix('社区')}街道办事处"
            expertise = tuple(rng.sample(CATEGORIES, rng.randint(1, 2)))
            max_panels = rng.randint(3, 5)
        affiliations: tuple[str, ...] = ()
        if i in affiliated:
            candidates = [c for cat in expertise for c in CATEGORY_DEPARTMENTS[cat]]
            candidates += [d.code for d in DEPARTMENTS if d.district == district]
            affiliations = (rng.choice(candidates or [d.code for d in DEPARTMENTS]),)
        members.append(
            RosterSeed(name, role, district, community, employer, affiliations, expertise, max_panels)
        )
    return members


_CLOSINGS = (
    "此前已多次反映，问题一直没有解决。",
    "希望相关部门尽快到现场查看处理。",
    "部门回复只是套话，实际情况没有任何改变。",
    "请求有关部门给出明确的处理时间。",
    "对上次的处理结果不满意，要求重新处理。",
)
_REPLY_ENDINGS = ("感谢您对我们工作的监督。", "如有疑问，可致电12345咨询。", "下一步将持续跟进处理情况。")


def _phone(rng: random.Random) -> str:
    return rng.choice(("13", "15", "18")) + f"{rng.randrange(10**9):09d}"


def _at(day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=CHINA)


def complaints(rng: random.Random, count: int = 200, *, start: date, days: int) -> list[ComplaintSeed]:
    """``count`` unsatisfied cases received within ``days`` days from ``start``, sorted by receipt."""
    if count < 0 or days < 1:
        raise ValueError("count must not be negative and days must be at least 1")
    hours = (8, 9, 10, 11, 14, 15, 16, 17, 19, 20)
    received = sorted(
        _at(start + timedelta(days=rng.randrange(days)), rng.choice(hours), rng.randrange(60))
        for _ in range(count)
    )
    by_category = {cat: [case for case in _CASES if case[0] == cat] for cat in CATEGORIES}
    seq = rng.randint(1000, 9000)
    result: list[ComplaintSeed] = []
    for received_at in received:
        seq += rng.randint(1, 40)
        category = rng.choices(CATEGORIES, weights=_CATEGORY_WEIGHTS)[0]
        _, codes, problem, answer = rng.choice(by_category[category])
        dept = DEPARTMENTS_BY_CODE[rng.choice(codes)]
        district = dept.district or rng.choice(DISTRICTS)
        community = rng.choice(COMMUNITIES[district])
        road, road2 = rng.sample(_ROADS, 2)
        values = {
            "district": district,
            "community": community,
            "road": road,
            "road2": road2,
            "estate": rng.choice(_ESTATE_HEADS) + rng.choice(_ESTATE_TAILS),
            "n": rng.randint(2, 18),
            "days": rng.randint(3, 15),
            "times": rng.randint(3, 8),
            "years": rng.randint(2, 6),
            "months": rng.randint(2, 8),
            "amount": rng.choice((1800, 3600, 5200, 8000, 12600, 23000)),
            "route": rng.randint(2, 350),
            "school": f"{community.removesuffix('社区')}小学",
            "dept": dept.name,
        }
        content = problem + "".join(rng.sample(_CLOSINGS, rng.randint(0, 2)))
        reply = answer + (rng.choice(_REPLY_ENDINGS) if rng.random() < 0.5 else "")
        reply_day = received_at.date() + timedelta(days=rng.randint(1, 7))
        replied_at = _at(reply_day, rng.randint(9, 17), rng.randrange(60))
        rated_at = _at(reply_day + timedelta(days=rng.randint(0, 3)), rng.randint(8, 21), rng.randrange(60))
        if rated_at <= replied_at:
            rated_at = replied_at + timedelta(hours=rng.randint(1, 4), minutes=rng.randrange(60))
        channel = rng.choices(CHANNELS, weights=_CHANNEL_WEIGHTS)[0]
        result.append(
            ComplaintSeed(
                source_ref=f"CD12345-{received_at.year}-{seq:06d}",
                channel=channel,
                received_at=received_at,
                category=category,
                district=district,
                community=community,
                department_code=dept.code,
                complainant_name=person_name(rng),
                complainant_phone=_phone(rng),
                content=content.format(**values),
                reply=reply.format(**values),
                replied_at=replied_at,
                rated_at=rated_at,
                wants_review=rng.random() < 0.35,
            )
        )
    return result


def _iso(moment: datetime) -> str:
    return moment.astimezone(CHINA).isoformat(timespec="seconds")


def to_intake_payload(c: ComplaintSeed) -> dict[str, Any]:
    """The JSON body of ``POST /api/v1/cases`` (DESIGN §10) for one case."""
    return {
        "source_ref": c.source_ref,
        "channel": c.channel,
        "received_at": _iso(c.received_at),
        "category": c.category,
        "district": c.district,
        "community": c.community,
        "department_code": c.department_code,
        "complainant": {
            "name": c.complainant_name,
            "phone": c.complainant_phone,
            "id_number": None,
            "address": None,
        },
        "content": c.content,
        "reply": c.reply,
        "replied_at": _iso(c.replied_at),
        "rating": c.rating,
        "rated_at": _iso(c.rated_at),
    }


def monthly_figures(rng: random.Random, months: list[str]) -> list[dict[str, Any]]:
    """The hotline's base figures (基础数据) for every demo department and month, consistent by construction
    (satisfied + basic + unsatisfied = rated ≤ handled; replied, resolved, overdue ≤ handled), as the rows
    `review import-figures` reads (English column names)."""
    rows: list[dict[str, Any]] = []
    for dept in DEPARTMENTS:
        size = rng.randint(20, 60) * (60 if dept.level == "市级" else 25)
        skill = rng.uniform(0.0, 1.0)  # some departments do better than others, month after month
        for month in months:
            handled = max(10, round(size * rng.uniform(0.8, 1.2)))
            replied = round(handled * min(1.0, 0.97 + 0.03 * skill - rng.uniform(0, 0.01)))
            resolved = round(handled * (0.72 + 0.2 * skill + rng.uniform(-0.03, 0.03)))
            rated = round(handled * rng.uniform(0.55, 0.7))
            satisfied = round(rated * (0.6 + 0.25 * skill + rng.uniform(-0.03, 0.03)))
            basic = round((rated - satisfied) * rng.uniform(0.3, 0.6))
            rows.append({
                "department_code": dept.code, "period": month, "handled": handled, "replied": replied,
                "resolved": min(resolved, handled), "rated": rated, "satisfied": satisfied, "basic": basic,
                "unsatisfied": rated - satisfied - basic,
                "overdue": round(handled * (0.06 - 0.05 * skill) * rng.uniform(0.7, 1.3)),
                "avg_reply_days": round(4.5 + 2.5 * (1 - skill) + rng.uniform(-0.4, 0.4), 2),
            })
    return rows
