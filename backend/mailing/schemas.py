"""The postal address a certificate is mailed to, as every channel takes it."""

import marshmallow as ma

from backend.common.text import Text


class MailingAddressSchema(ma.Schema):
    recipient = Text(required=True, validate=ma.validate.Length(min=1, max=50))
    phone = ma.fields.String(required=True, validate=ma.validate.Regexp(
        r"^(1\d{10}|0\d{2,3}-?\d{7,8})$", error="请填写有效的手机或固定电话号码 a valid phone number"))
    region_code = ma.fields.String(required=True, validate=ma.validate.Regexp(
        r"^\d{6}$", error="行政区划代码为6位数字 a 6-digit region code"))
    detail = Text(required=True, validate=ma.validate.Length(min=4, max=200))
