"""Console forms. Every one carries a CSRF token (Flask-WTF); messages are Chinese first."""

from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    PasswordField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    AnyOf,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
)

from backend.common.text import PlainText
from backend.drivers.models import SUBJECTS
from backend.drivers.schemas import MATERIALS


class LoginForm(FlaskForm):
    username = StringField("用户名 Username", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("密码 Password", validators=[DataRequired(), Length(max=200)])


class ActionForm(FlaskForm):
    """A button that changes something and needs nothing but the CSRF token (re-run checks)."""


class DecisionForm(FlaskForm):
    """Approve or reject an application in review; the written reason is always required.

    The decision comes from the button pressed (``name="decision"``), never from a default:
    a request that names neither is refused rather than read as a rejection.
    """

    decision = HiddenField(validators=[AnyOf(["approve", "reject"], message=(
        "请选择批准或驳回。Choose approve or reject."))])
    reason = TextAreaField("决定理由 Written reason", validators=[
        DataRequired(message="请填写决定理由。A written reason is required."),
        Length(max=500, message="理由不超过 500 字。At most 500 characters."),
        PlainText(multiline=True),
    ])


class ExamForm(FlaskForm):
    """One exam result. ``subject`` and ``passed`` come from ``<select>`` elements the template
    writes itself (choice lists differ between WTForms versions); the validators decide."""

    application_number = StringField("办件编号 Application number", validators=[
        DataRequired(message="请填写办件编号。An application number is required."),
        Length(max=32)])
    subject = StringField("科目 Subject", validators=[AnyOf(SUBJECTS, message=(
        "科目应为全国公共科目或区域科目。Subject must be national or regional."))])
    score = IntegerField("成绩 Score (0–100)", validators=[
        InputRequired(message="请填写成绩。A score is required."),
        NumberRange(min=0, max=100, message="成绩应在 0 到 100 之间。The score must be 0–100.")])
    passed = StringField("结果 Result", validators=[AnyOf(["yes", "no"], message=(
        "请选择是否通过。Choose passed or failed."))])


def _text(label: str, max_length: int, *validators) -> StringField:
    return StringField(label, validators=[*validators, Length(max=max_length), PlainText()])


class CounterForm(FlaskForm):
    """窗口受理: the applicant's ID card, the matter, and what matters take. A matter's request
    has only the fields its catalogue entry lists in ``inputs``; the rest of the form is left
    out of it, and the request is then checked as the app's is (``backend.staff.counter``)."""

    intake_id = HiddenField(validators=[Regexp(r"^[0-9a-f]{32}$", message=(
        "表单已失效，请重新打开受理页面。The form has expired; open the counter page again."))])
    id_number = _text("身份证号码 ID number", 30, DataRequired(
        message="请填写申请人的身份证号码。The applicant's ID number is required."))
    name = _text("姓名 Name (as on the card)", 50, DataRequired(
        message="请填写申请人的姓名。The applicant's name is required."))
    matter = _text("事项 Matter", 40, DataRequired(message="请选择事项。Choose a matter."))
    phone = _text("联系电话 Phone", 20)
    recipient = _text("收件人 Recipient", 50)
    mailing_phone = _text("收件电话 Recipient's phone", 20)
    region_code = _text("行政区划代码 Region code", 6)
    detail = _text("详细地址 Street address", 200)
    plate = _text("号牌号码 Plate", 16)
    platform = _text("服务平台代码 Platform code", 40)
    reason = TextAreaField("事由 Reason", validators=[Length(max=200), PlainText(multiline=True)])
    new_name = _text("新姓名 New name", 50)
    new_platform = _text("新服务单位（平台代码）New platform code", 40)
    new_address = _text("新住址 New address", 200)

    def request_body(self, inputs: list[str]) -> dict:
        """The request of a matter whose catalogue ``inputs`` are these, from what was filled in."""
        filled = {"phone": self.phone.data, "plate": self.plate.data,
                  "platform": self.platform.data, "reason": self.reason.data}
        body = {key: value.strip() for key, value in filled.items()
                if key in inputs and value and value.strip()}
        address = {"recipient": self.recipient.data, "phone": self.mailing_phone.data,
                   "region_code": self.region_code.data, "detail": self.detail.data}
        if "mailing_address" in inputs and any(v and v.strip() for v in address.values()):
            body["mailing_address"] = {key: (value or "").strip() for key, value in address.items()}
        if "changes" in inputs:
            changes = {"name": self.new_name.data, "platform": self.new_platform.data,
                       "address": self.new_address.data}
            body["changes"] = {key: value.strip() for key, value in changes.items()
                               if value and value.strip()}
        if "documents" in inputs:
            body["documents"] = [{"kind": m.kind, "reference": self[f"doc_{m.kind}"].data.strip()}
                                 for m in MATERIALS.values()
                                 if (self[f"doc_{m.kind}"].data or "").strip()]
        return body


# One field per kind of material a change needs: the number or description of the original the
# clerk has seen (left empty when it was not presented).
for _material in MATERIALS.values():
    setattr(CounterForm, f"doc_{_material.kind}",
            _text(f"{_material.name} {_material.name_en}", 100, Optional()))


class ExamSessionForm(FlaskForm):
    """A session of the exams: place, Beijing-time start and seats."""

    place = _text("考试地点 Place", 200, DataRequired(
        message="请填写考试地点。The place is required."))
    starts_at = DateTimeLocalField("开考时间（北京时间）Starts (Beijing time)",
                                   format="%Y-%m-%dT%H:%M", validators=[DataRequired(
                                       message="请填写开考时间。The start time is required.")])
    capacity = IntegerField("座位数 Seats", validators=[
        InputRequired(message="请填写座位数。The number of seats is required."),
        NumberRange(min=1, max=1000, message="座位数应在 1 到 1000 之间。Seats must be 1–1000.")])
