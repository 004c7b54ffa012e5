import marshmallow as ma

from backend.common.text import Text
from backend.identity.assertions import RN_LEVELS
from backend.identity.credit_codes import USCC_SHAPE, InvalidCreditCode, validate_uscc
from backend.identity.id_numbers import InvalidIdNumber, validate_id_number

ID_NUMBER_PATTERN = r"^[0-9]{17}[0-9Xx]$"


class IdNumberField(ma.fields.String):
    """An ID number of any lawful card (``backend.identity.id_numbers``), checked (length, check
    digit, birth date, region) and canonicalised. The OpenAPI document states its shape: 18
    characters, 17 digits and a digit or X."""

    def __init__(self, **kwargs):
        shape = {"pattern": ID_NUMBER_PATTERN, "minLength": 18, "maxLength": 18}
        super().__init__(metadata={**shape, **(kwargs.pop("metadata", None) or {})}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return validate_id_number(text)
        except InvalidIdNumber as error:
            raise ma.ValidationError(f"{error.message} {error.message_en}") from None


class UsccField(ma.fields.String):
    """A unified social credit code (统一社会信用代码), checked with python-stdnum's ``cn.uscc``;
    the OpenAPI document states its shape."""

    def __init__(self, **kwargs):
        super().__init__(metadata={**USCC_SHAPE, **(kwargs.pop("metadata", None) or {})}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return validate_uscc(text)
        except InvalidCreditCode as error:
            raise ma.ValidationError(f"{error.message} {error.message_en}") from None


class DevTokenRequestSchema(ma.Schema):
    id_number = IdNumberField(required=True, metadata={"example": "350203199001010114"})
    name = Text(required=True, validate=ma.validate.Length(min=1, max=50))
    rn_level = ma.fields.String(load_default="L3", validate=ma.validate.OneOf(RN_LEVELS),
                                metadata={"description": "The real-name level the token "
                                                         "vouches for (IDP_MIN_RN_LEVEL applies)"})
    # A company (法人) sign-in: the person above acts for it.
    uscc = UsccField(metadata={"example": "91350200MA2XYQ1U1B"})
    company_name = Text(validate=ma.validate.Length(min=1, max=200))

    @ma.validates_schema
    def _company_whole(self, data, **_kwargs):
        if ("uscc" in data) != ("company_name" in data):
            missing = "company_name" if "uscc" in data else "uscc"
            raise ma.ValidationError(
                ["企业登录须同时填写统一社会信用代码和企业名称。A company sign-in needs both the "
                 "USCC and the company name."], missing)


class DevTokenSchema(ma.Schema):
    access_token = ma.fields.String()
    token_type = ma.fields.String(metadata={"example": "Bearer"})
    expires_in = ma.fields.Integer()
