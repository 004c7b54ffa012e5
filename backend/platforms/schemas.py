"""The platform register as the app shows it."""

import marshmallow as ma

# 统一社会信用代码 (GB 32100): 18 characters of digits and capitals without I, O, S, V and Z;
# the 3rd to 8th are the region's digits (python-stdnum's ``cn.uscc`` checks the rest).
USCC_PATTERN = r"^[0-9A-HJ-NP-RTUW-Y]{2}[0-9]{6}[0-9A-HJ-NP-RTUW-Y]{10}$"
USCC_SHAPE = {"pattern": USCC_PATTERN, "minLength": 18, "maxLength": 18}


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
