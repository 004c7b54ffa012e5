"""What an alert carries (the hook's claims, a line of an import file), and the app's answers
about a holder's suspensions."""

from __future__ import annotations

import marshmallow as ma

from backend.alerts.models import State
from backend.alerts.operations import (
    CATEGORIES,
    DETAIL_LENGTH,
    DRIVER_CATEGORIES,
    OBJECTION_FILES,
    OBJECTION_LENGTH,
    about,
)
from backend.common.text import Text
from backend.identity.schemas import IdNumberField


class AlertSchema(ma.Schema):
    """One alert: the same fields in a signed hook request and in an import line. Always about
    a person's driver certificate (the vehicles' categories are the regular re-check's)."""

    class Meta:
        unknown = ma.RAISE

    reference = Text(required=True, validate=ma.validate.Length(min=1, max=80))
    id_number = IdNumberField(required=True)
    category = ma.fields.String(required=True, validate=ma.validate.OneOf(list(DRIVER_CATEGORIES)))
    recorded_on = ma.fields.Date(required=True)
    detail = Text(load_default="", multiline=True, validate=ma.validate.Length(max=DETAIL_LENGTH))


class ObjectionRequestSchema(ma.Schema):
    text = Text(required=True, multiline=True, validate=ma.validate.Length(min=1, max=OBJECTION_LENGTH),
                            metadata={"description": "陈述和申辩 What the holder says"})
    files = ma.fields.List(ma.fields.Integer(strict=True, validate=ma.validate.Range(
        min=1, max=2147483647)), load_default=list, validate=ma.validate.Length(max=OBJECTION_FILES),
        metadata={"description": "Ids of files uploaded with POST /api/v1/objection-files"})

    @ma.validates("text")
    def _says_something(self, text: str, **_) -> None:
        if not text.strip():
            raise ma.ValidationError("请写明您的陈述和申辩。 Say what you object to.")


class ObjectionFileSchema(ma.Schema):
    id = ma.fields.Integer()
    filename = ma.fields.String()
    content_type = ma.fields.String()
    size = ma.fields.Integer()
    sha256 = ma.fields.String()
    created_at = ma.fields.DateTime()


class StepSchema(ma.Schema):
    at = ma.fields.DateTime()
    step = ma.fields.String(metadata={"enum": ["alert", "suspended", "objected", "revoked",
                                               "reinstated"]})
    text = ma.fields.String()
    text_en = ma.fields.String()


class SuspensionSchema(ma.Schema):
    id = ma.fields.Integer()
    certificate_id = ma.fields.Integer()
    certificate_kind = ma.fields.Function(lambda s: s.alert.certificate_kind.value, metadata={
        "enum": ["driver", "transport"], "description": "A driver certificate, or a vehicle's "
        "transport certificate (with its plate)"})
    plate = ma.fields.Function(lambda s: s.alert.plate, allow_none=True)
    certificate_name = ma.fields.Function(lambda s: about(s.alert).name)
    certificate_name_en = ma.fields.Function(lambda s: about(s.alert).name_en)
    category = ma.fields.Function(lambda s: s.alert.category)
    category_name = ma.fields.Function(lambda s: CATEGORIES[s.alert.category][0])
    category_name_en = ma.fields.Function(lambda s: CATEGORIES[s.alert.category][1])
    recorded_on = ma.fields.Function(lambda s: s.alert.recorded_on.isoformat())
    rule = ma.fields.Function(lambda s: CATEGORIES[s.alert.category][2])
    suspended_at = ma.fields.DateTime()
    object_by = ma.fields.Date(metadata={"description": "The last day to object"})
    decide_by = ma.fields.Date(metadata={"description": "The last day for the bureau's decision"})
    state = ma.fields.String(metadata={"enum": [s.value for s in State]})
    objection = ma.fields.String(allow_none=True)
    objected_at = ma.fields.DateTime(allow_none=True)
    files = ma.fields.Nested(ObjectionFileSchema, many=True)
    decided_at = ma.fields.DateTime(allow_none=True)
    decision_reason = ma.fields.String(allow_none=True)
    legal_basis = ma.fields.String(allow_none=True)
    history = ma.fields.Method("_history")

    def _history(self, suspension):
        from backend.alerts.operations import history

        return StepSchema(many=True).dump(history(suspension))


class SuspensionListSchema(ma.Schema):
    items = ma.fields.Nested(SuspensionSchema, many=True)
