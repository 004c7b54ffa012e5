"""The pages' two languages: Chinese first, English on the switch (kept in the session).

Labels are the console's and the kiosk's own (``STATE_NAMES``, ``OUTCOME_NAMES``, the
kiosk's result texts), so a driver reads the same words at the counter, on the kiosk and here.
"""

from __future__ import annotations

from flask import session

from backend.licensing.models import State
from backend.staff.console import OUTCOME_NAMES, STATE_NAMES

LANGUAGES = ("zh", "en")
KEY = "h5_lang"

# What the applicant does next, by state: the kiosk's result texts (kiosk/static/kiosk.js).
NEXT_STEPS: dict[State, tuple[str, str]] = {
    State.ISSUED: ("证件将邮寄到您填写的地址，可在“我的办件”查看寄递进度。",
                   "It will be mailed to the address you gave; follow the delivery under "
                   "My applications."),
    State.APPROVED: ("已办结。", "Done."),
    State.AWAITING_EXAM: ("请按短信通知参加全国公共科目和区域科目考试，考试合格后自动发证。",
                          "Take the national and the regional exam when notified by SMS; passing "
                          "both issues the certificate."),
    State.AWAITING_REVIEW: ("部分部门暂时无法核验，工作人员将尽快审核，结果会通过短信和 i厦门 通知您。",
                            "Some departments could not be checked just now. A clerk will review "
                            "it soon; you will be notified by SMS and in i厦门."),
    State.AWAITING_PROVINCE: ("正在等待省交通运输厅的线上服务能力认定，结果会通过短信和 i厦门 通知您。",
                              "The province is reviewing the online capability; you will be "
                              "notified by SMS and in i厦门."),
    State.REJECTED: ("原因见下方各项核验结果（如有疑问，请到服务窗口咨询或拨打 12328）。",
                     "The reasons are in the checks below (with questions, ask at a service "
                     "counter or call 12328)."),
}
# Where to object to a refusal (the same words as the platform licence's decision letter).
APPEAL = ("如不服本决定，可以自知道该决定之日起六十日内向厦门市人民政府申请行政复议，"
          "或者自知道该决定之日起六个月内依法向人民法院提起行政诉讼。",
          "You may apply for administrative reconsideration to the Xiamen Municipal People's "
          "Government within 60 days of learning of this decision, or bring an administrative "
          "lawsuit before a people's court within six months.")


def language() -> str:
    chosen = session.get(KEY)
    return chosen if chosen in LANGUAGES else "zh"


def t(zh: str | None, en: str | None) -> str | None:
    """The text in the page's language (the Chinese when there is no English)."""
    return en if language() == "en" and en else zh


def split(label: str) -> str:
    """One of the console's ``"中文 English"`` labels, in the page's language."""
    zh, _, en = label.partition(" ")
    return t(zh, en)


def state_name(state: State) -> str:
    return split(STATE_NAMES[state])


def outcome_name(outcome) -> str:
    return split(OUTCOME_NAMES[outcome])



# What each check is about, in the applicant's words: used until the rules carry their own
# titles (a rule's ``title``/``title_en``, when it has them, is shown instead).
CHECK_TITLES: dict[str, tuple[str, str]] = {
    "drv.identity": ("身份信息核验", "Identity"),
    "drv.licence_valid": ("机动车驾驶证有效", "Driving licence in force"),
    "drv.experience": ("驾龄满 3 年", "Three years' driving experience"),
    "drv.points": ("近 3 个记分周期无满分记录", "No 12 points in the last 3 cycles"),
    "drv.criminal": ("无交通肇事、危险驾驶及暴力犯罪记录", "No traffic or violent crime"),
    "drv.drugs_dui": ("无吸毒、饮酒后驾驶记录", "No drug use or drink driving"),
    "drv.residence": ("本市户籍或居住证", "Xiamen household registration or residence permit"),
    "drv.age": ("年龄条件", "Age"),
    "drv.exam": ("从业资格考试", "Qualification exams"),
    "drv.change_name": ("新姓名与公安人口信息一致", "New name as the police register holds it"),
    "drv.change_platform": ("新服务平台持有本市经营许可", "New platform licensed in Xiamen"),
    "veh.registered": ("车辆登记状态正常", "Vehicle registration in order"),
    "veh.owner": ("车辆登记在申请人名下", "Registered to the applicant"),
    "veh.plate_local": ("本市号牌", "Xiamen plate"),
    "veh.category_seats": ("车型和座位数", "Vehicle type and seats"),
    "veh.power": ("动力类型（纯电动等）", "Power type"),
    "veh.age": ("车龄条件", "Vehicle age"),
    "veh.use_nature": ("使用性质为预约出租客运", "Registered for ride-hailing use"),
    "veh.inspection": ("安全技术检验有效", "Safety inspection in force"),
    "veh.insurance": ("营运车辆保险有效", "Operating insurance in force"),
    "veh.gps_live": ("车载卫星定位装置在线", "On-board positioning online"),
    "veh.platform_licensed": ("所选平台持有本市经营许可", "Chosen platform licensed in Xiamen"),
    "veh.single_platform": ("未在其他平台运营", "Not serving another platform"),
    "plat.registered": ("企业登记状态正常", "Company registration in order"),
    "plat.legal_person": ("具有企业法人资格", "An enterprise legal person"),
    "plat.scope": ("经营范围含网约车经营", "Ride-hailing in the business scope"),
    "plat.legal_representative": ("法定代表人信息一致", "Legal representative matches"),
    "plat.change_registered": ("变更事项已登记", "The change is registered"),
}
