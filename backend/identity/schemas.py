import marshmallow as ma

from backend.common.text import Text
from backend.identity.id_numbers import InvalidIdNumber, validate_id_number


class IdNumberField(ma.fields.String):
    """An ID number of any lawful card (``backend.identity.id_numbers``), checked (length, check
    digit, birth date, region) and canonicalised."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return validate_id_number(text)
        except InvalidIdNumber as error:
            raise ma.ValidationError(f"{error.message} {error.message_en}") from None


class DevTokenRequestSchema(ma.Schema):
    id_number = IdNumberField(required=True, metadata={"example": "350203199001011237"})
    name = Text(required=True, validate=ma.validate.Length(min=1, max=50))


class DevTokenSchema(ma.Schema):
    access_token = ma.fields.String()
    token_type = ma.fields.String(metadata={"example": "Bearer"})
    expires_in = ma.fields.Integer()
