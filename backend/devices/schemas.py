"""Marshmallow schemas of the kiosk API."""

import marshmallow as ma

from backend.common.contact import MobileNumber
from backend.common.text import FullMatch, Text
from backend.devices.models import SessionEnd
from backend.licensing.receipts import receipt
from backend.licensing.schemas import ApplicationDetailSchema
from backend.mailing.schemas import MailingAddressSchema
from backend.matters import registry
from backend.matters.registry import Channel
from backend.ratings.models import RatingLevel


class DeviceSchema(ma.Schema):
    id = ma.fields.String(metadata={"example": "kiosk-3f9a1c2e5b7d"})
    name = ma.fields.String()
    location = ma.fields.String()
    server_time = ma.fields.Integer(metadata={"description": "The server's clock, unix seconds"})


class CardSchema(ma.Schema):
    """The identity read from the card, in ``card_reader``'s JSON shape (``IdentityRecord.
    to_json_dict()``); other keys of that shape are accepted and ignored. No photo."""

    class Meta:
        unknown = ma.EXCLUDE

    card_type = Text(required=True, metadata={
        "example": "resident",
        "description": "resident, hmt_residence (港澳台居民居住证) or foreign_permanent_2023 "
                       "(外国人永久居留身份证); foreign_permanent_2017 is refused with 422"})
    name = Text(load_default=None, allow_none=True, validate=ma.validate.Length(min=1, max=100),
                metadata={"description": "the Chinese name; a foreigner's card may have none"})
    name_en = Text(load_default=None, allow_none=True, validate=ma.validate.Length(min=1, max=100),
                   metadata={"description": "the English name (foreigners' cards)"})
    id_number = Text(required=True, validate=ma.validate.Length(max=30), metadata={
        "example": "350203199003071236",
        # 18 characters on the resident card, the residence permit and the 2023 foreigner's
        # card; 15 (three letters, twelve digits) on the 2017 foreigner's card
        "pattern": r"^([0-9]{17}[0-9Xx]|[A-Za-z]{3}[0-9]{12})$",
        "description": "The number as the card carries it; a malformed one is refused with "
                       "422 `invalid_id_number`"})
    address = Text(load_default=None, allow_none=True, validate=ma.validate.Length(max=200))
    valid_until = ma.fields.Date(load_default=None, allow_none=True,
                                 metadata={"description": "null for 长期 (long-term)"})
    long_term = ma.fields.Boolean(load_default=False)
    expired = ma.fields.Boolean(load_default=False)
    chip_serial = ma.fields.String(load_default=None, allow_none=True,
                                   validate=FullMatch(r"^[0-9A-Fa-f]{2,32}$"))


    @ma.validates_schema
    def _named(self, data, **kwargs):
        if not (data.get("name") or data.get("name_en")):
            raise ma.ValidationError("卡上没有姓名。 The card has no name.", "name")


class HolderSchema(ma.Schema):
    name_masked = ma.fields.String(metadata={"example": "林*证"})
    id_number_masked = ma.fields.String(metadata={"example": "350***********1234"})


class HeldCertificateSchema(ma.Schema):
    kind = ma.fields.String(metadata={"enum": ["driver", "transport", "platform"]})
    kind_name = ma.fields.String()
    kind_name_en = ma.fields.String()
    number_masked = ma.fields.String()
    version = ma.fields.Integer()
    status = ma.fields.String(metadata={"enum": ["valid", "expired"]})
    status_name = ma.fields.String()
    status_name_en = ma.fields.String()
    valid_until = ma.fields.Date()


def _offered_at_kiosks(code: str) -> None:
    if not registry.offered(code, Channel.KIOSK):
        raise ma.ValidationError("本终端不办理此事项。This matter is not offered at kiosks.")


class OfferedMatterSchema(ma.Schema):
    code = ma.fields.String(metadata={"description": "A matter the kiosk offers"})
    name = ma.fields.String()
    name_en = ma.fields.String()
    available = ma.fields.Boolean(metadata={"description": "Whether the holder can do it now"})
    needs_mailing_address = ma.fields.Boolean()
    reason = ma.fields.String(allow_none=True, metadata={"description": "Why not, in Chinese"})
    reason_en = ma.fields.String(allow_none=True)


class SessionSchema(ma.Schema):
    id = ma.fields.String()
    expires_at = ma.fields.DateTime()
    holder = ma.fields.Nested(HolderSchema)
    certificates = ma.fields.Nested(HeldCertificateSchema, many=True)
    matters = ma.fields.Nested(OfferedMatterSchema, many=True)
    mailing_address = ma.fields.Dict(metadata={
        "description": "Prefill for the confirm screen: the last mailing address used"})


class KioskApplicationRequestSchema(ma.Schema):
    matter = ma.fields.String(required=True, validate=_offered_at_kiosks, metadata={
        "description": "A matter the kiosk offers (GET the session for the list)"})
    transaction_id = ma.fields.String(required=True, validate=FullMatch(
        r"^[A-Za-z0-9_-]{8,64}$", error="8–64 letters, digits, - or _"), metadata={
        "description": "The kiosk's id for this transaction: a retry with it never applies twice"})
    mailing_address = ma.fields.Nested(MailingAddressSchema)
    phone = MobileNumber()
    reason = ma.fields.String(validate=ma.validate.OneOf(
        ["lost", "damaged"], error="补发原因应为 lost（遗失）或 damaged（损毁）。 lost or damaged."),
        metadata={"description": "A reissue's reason (driver-cert-reissue needs one)"})

    @ma.validates_schema
    def _address_for_mailed_matters(self, data, **_kwargs):
        handler = registry.handler_for(data.get("matter"))
        if handler is not None and handler.mailed and not data.get("mailing_address"):
            raise ma.ValidationError("请填写证件邮寄地址。A mailing address is required.",
                                     "mailing_address")


class EndSessionQuerySchema(ma.Schema):
    reason = ma.fields.Enum(SessionEnd, by_value=True, load_default=SessionEnd.DONE)


class RatingRequestSchema(ma.Schema):
    application_number = Text(required=True, validate=ma.validate.Length(max=32))
    level = ma.fields.Integer(
        required=True, strict=True, validate=ma.validate.Range(min=1, max=5),
        metadata={"description": "5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意"})
    comment = Text(multiline=True, validate=ma.validate.Length(max=500))


class RatingSchema(ma.Schema):
    application_number = ma.fields.Function(lambda r: r.application.number)
    level = ma.fields.Integer()
    label = ma.fields.Function(lambda r: RatingLevel(r.level).label)
    label_en = ma.fields.Function(lambda r: RatingLevel(r.level).label_en)
    comment = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()


class ReceiptSchema(ma.Schema):
    number = ma.fields.String()
    matter_name = ma.fields.String()
    matter_name_en = ma.fields.String()
    at = ma.fields.String(metadata={"description": "Beijing time, YYYY-MM-DD HH:MM"})
    follow_url = ma.fields.String(metadata={"description": "The public progress page (no "
                                                           "personal data), opened by the QR"})
    qr = ma.fields.String(metadata={"description": "The follow URL's QR code, an SVG data URL"})
    where = ma.fields.String()
    where_en = ma.fields.String()


class KioskApplicationSchema(ApplicationDetailSchema):
    """An application as the kiosk shows it, with its receipt (回执)."""

    receipt = ma.fields.Function(lambda a: RECEIPT.dump(receipt(a)))


RECEIPT = ReceiptSchema()
