"""Console forms. Every one carries a CSRF token (Flask-WTF); messages are Chinese first."""

from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    IntegerField,
    PasswordField,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange

from backend.common.text import PlainText
from backend.drivers.models import SUBJECTS


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
