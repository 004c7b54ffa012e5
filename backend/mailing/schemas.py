"""The postal address a certificate is mailed to, as every channel takes it."""

import marshmallow as ma

from backend.common.contact import PhoneNumber, RegionCode
from backend.common.text import Text


class MailingAddressSchema(ma.Schema):
    recipient = Text(required=True, validate=ma.validate.Length(min=1, max=50))
    phone = PhoneNumber(required=True)
    region_code = RegionCode(required=True)
    detail = Text(required=True, validate=ma.validate.Length(min=4, max=200))
