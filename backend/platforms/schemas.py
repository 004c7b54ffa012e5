"""The platform register as the app shows it."""

import marshmallow as ma


class PlatformSchema(ma.Schema):
    code = ma.fields.String(metadata={"example": "xm-green-ride",
                                      "description": "Send this as `platform` when applying"})
    name = ma.fields.String(metadata={"example": "厦门绿行网约车科技有限公司"})
    uscc = ma.fields.String(metadata={"description": "统一社会信用代码 (public company data)"})
    licence_number = ma.fields.String()
    valid_until = ma.fields.Date()


class PlatformListSchema(ma.Schema):
    items = ma.fields.Nested(PlatformSchema, many=True)
