"""Mailing room console forms; each carries a CSRF token (Flask-WTF)."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Regexp

from backend.common.contact import PHONE, FormNormalised, FormRegionCode
from backend.common.text import PlainText

TRACKING = [DataRequired(message="请填写运单号。A tracking number is required."),
            Regexp(r"^\s*[A-Za-z0-9-]{4,40}\s*$",
                   message="运单号应为 4–40 位字母、数字或短横线。4–40 letters, digits or hyphens.")]


class ActionForm(FlaskForm):
    """A button that needs nothing but the CSRF token (print a batch, delivered, returned)."""


class DispatchForm(FlaskForm):
    tracking_number = StringField("运单号 Tracking number", validators=TRACKING)


class ScanDispatchForm(FlaskForm):
    """The mailroom's scanner types the item id from the address sheet's barcode."""

    item_id = IntegerField("件号 Item (scan the barcode)", validators=[
        InputRequired(message="请扫描或填写件号。Scan or type the item id."),
        NumberRange(min=1, message="件号应为正整数。The item id is a positive number.")])
    tracking_number = StringField("运单号 Tracking number", validators=TRACKING)


class AddressForm(FlaskForm):
    recipient = StringField("收件人 Recipient", validators=[DataRequired(), Length(max=50),
                                                         PlainText()])
    phone = StringField("电话 Phone", validators=[
        DataRequired(), FormNormalised(PHONE, "请填写有效的手机或固定电话号码。A valid phone number.")])
    region_code = StringField("行政区划代码 Region code", validators=[FormRegionCode()])
    detail = StringField("详细地址 Street address", validators=[
        DataRequired(), Length(min=4, max=200), PlainText()])


class StatusFileForm(FlaskForm):
    file = FileField("承运商状态文件 Carrier status file (CSV)", validators=[
        FileRequired(message="请选择文件。Choose a file.")])
