"""The hotline console's forms (CSRF-protected; messages Chinese first)."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, NumberRange, Optional, Regexp

from backend.common.text import PlainText
from backend.hotline.models import Kind, Satisfaction, Subject

_REQUIRED = "必填。Required."


class IntakeForm(FlaskForm):
    """A call taken in by an agent. ``kind`` and ``subject`` come from selects the template
    writes; the validators decide."""

    kind = StringField(validators=[AnyOf([k.value for k in Kind], message="请选择工单类型。Choose a kind.")])
    subject = StringField(validators=[AnyOf([s.value for s in Subject], message="请选择对象。Choose a subject.")])
    subject_ref = StringField("号牌/证号/平台 Plate, certificate or platform",
                              validators=[Optional(), Length(max=60), PlainText()])
    platform = StringField("乘车平台 Platform of the ride", validators=[Optional(), Length(max=40), PlainText()])
    matter = StringField("涉及事项 Matter", validators=[Optional(), Length(max=40), PlainText()])
    caller_name = StringField("来电人 Caller", validators=[Optional(), Length(max=50), PlainText()])
    caller_phone = StringField("来电号码 Phone", validators=[
        DataRequired(message="请填写来电号码，以便答复和回访。A phone number is required."),
        Regexp(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$",
               message="请填写手机号或带区号的固定电话。A mobile or a landline with area code.")])
    text = TextAreaField("来电内容 What the caller said", validators=[
        DataRequired(message=_REQUIRED), Length(min=5, max=2000), PlainText(multiline=True)])


class TextForm(FlaskForm):
    """A step with a written text: the handler's result or the reply to the caller."""

    text = TextAreaField(validators=[DataRequired(message=_REQUIRED), Length(max=2000),
                                     PlainText(multiline=True)])
    upheld = StringField(validators=[Optional(), AnyOf(["yes", "no"])])


class CallBackForm(FlaskForm):
    satisfaction = StringField(validators=[AnyOf([s.value for s in Satisfaction],
                                                 message="请选择来电人的评价。Choose the caller's view.")])
    note = TextAreaField(validators=[Optional(), Length(max=500), PlainText(multiline=True)])


class AnswerForm(FlaskForm):
    answer = StringField(validators=[DataRequired(message="请选择知识库答复。Choose an answer."),
                                     Length(max=40)])


class ExtensionForm(FlaskForm):
    days = IntegerField(validators=[NumberRange(min=1, max=30, message="1–30 个工作日 working days")])
    reason = TextAreaField(validators=[DataRequired(message="请写明延期理由。Give the reason."),
                                       Length(max=500), PlainText(multiline=True)])


class DecisionForm(FlaskForm):
    decision = HiddenField(validators=[AnyOf(["approve", "refuse"])])


class ActionForm(FlaskForm):
    """A button that needs nothing but the CSRF token."""
