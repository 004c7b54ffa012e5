"""The postal address a certificate is mailed to, as every channel takes it."""

import marshmallow as ma

from backend.common.contact import PhoneNumber, RegionCode
from backend.common.text import Text


class MailingAddressSchema(ma.Schema):
    recipient = Text(required=True, validate=ma.validate.Length(min=1, max=50),
                     metadata={"example": "陈测试"})
    phone = PhoneNumber(required=True, metadata={"example": "13800000000"})
    region_code = RegionCode(required=True, must_exist=True, metadata={"example": "350203"})
    detail = Text(required=True, validate=ma.validate.Length(min=4, max=200),
                  metadata={"example": "思明区湖滨南路1号"})
