"""Mailing room console forms; each carries a CSRF token (Flask-WTF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    AnyOf,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from backend.common.contact import PHONE, FormNormalised, FormRegionCode
from backend.common.regions import regions_of
from backend.common.text import PlainText
from backend.mailing.operations import RETURN_REASONS

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


OTHER_REGION = "other"


class AddressForm(FlaskForm):
    """A returned item's corrected address and why it came back. The region is picked by name
    among Fujian's; one elsewhere is given by its code (``other_region_code``)."""

    return_reason = SelectField("退回原因 Why it came back", choices=[
        SelectChoice("", "请选择 Choose…"),
        *(SelectChoice(code, f"{zh} {en}") for code, (zh, en) in RETURN_REASONS.items())],
        validators=[AnyOf(list(RETURN_REASONS), message="请选择退回原因。Choose why it came back.")])
    recipient = StringField("收件人 Recipient", validators=[DataRequired(), Length(max=50),
                                                         PlainText()])
    phone = StringField("电话 Phone", validators=[
        DataRequired(), FormNormalised(PHONE, "请填写有效的手机或固定电话号码。A valid phone number.")])
    region_code = SelectField("所在地区 Region", choices=[
        SelectChoice("", "请选择 Choose…"), *(SelectChoice(*region) for region in regions_of("35")),
        SelectChoice(OTHER_REGION, "福建省外（填写代码）Outside Fujian (code)")],
        validators=[DataRequired(message="请选择所在地区。Choose the region.")])
    other_region_code = StringField("省外地区代码 Region code outside Fujian", validators=[Optional()])
    detail = StringField("详细地址 Street address", validators=[
        DataRequired(), Length(min=4, max=200), PlainText()])
    note = StringField("备注 Note", validators=[Optional(), Length(max=200), PlainText()])

    @classmethod
    def for_item(cls, address: dict) -> AddressForm:
        """The form filled with an item's address (a code outside Fujian as ``other``)."""
        code = address.get("region_code", "")
        fujian = any(code == c for c, _ in regions_of("35"))
        return cls(data={**address, "region_code": code if fujian else OTHER_REGION,
                         "other_region_code": "" if fujian else code})

    def validate_other_region_code(self, field) -> None:
        if self.region_code.data == OTHER_REGION:
            if not (field.data or "").strip():
                raise ValidationError("请填写省外地区的 6 位代码。Give the region's 6-digit code.")
            FormRegionCode()(self, field)

    def address(self) -> dict:
        region = (self.other_region_code.data if self.region_code.data == OTHER_REGION
                  else self.region_code.data)
        return {"recipient": self.recipient.data.strip(), "phone": self.phone.data.strip(),
                "region_code": region.strip(), "detail": self.detail.data.strip()}


class StatusFileForm(FlaskForm):
    file = FileField("承运商状态文件 Carrier status file (CSV)", validators=[
        FileRequired(message="请选择文件。Choose a file.")])
