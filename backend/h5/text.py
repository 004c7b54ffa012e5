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

