"""The platform register as the app shows it."""

import marshmallow as ma

from backend.identity.credit_codes import USCC_SHAPE


class PlatformSchema(ma.Schema):
    code = ma.fields.String(metadata={"example": "xm-green-ride",
                                      "description": "Send this as `platform` when applying"})
    name = ma.fields.String(metadata={"example": "厦门绿行网约车科技有限公司"})
    uscc = ma.fields.String(metadata={"description": "统一社会信用代码 (public company data)",
                                      **USCC_SHAPE})
    licence_number = ma.fields.String()
    valid_until = ma.fields.Date()


class PlatformListSchema(ma.Schema):
    items = ma.fields.Nested(PlatformSchema, many=True)
