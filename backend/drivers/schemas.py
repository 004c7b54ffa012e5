"""What a driver certificate change (变更) takes: the changes and the materials that prove them.

Every channel's request is loaded through :data:`CHANGE_REQUEST` by the matter's handler, so the
app, the counter and any later channel refuse the same things the same way.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import zoneinfo

import marshmallow as ma

from backend.common.text import Text

BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")


@dataclasses.dataclass(frozen=True)
class Material:
    """A document the applicant presents because no department holds the fact it proves."""

    kind: str
    name: str
    name_en: str


#: The material each change needs (不是零材料): what changes → what proves it.
MATERIALS: dict[str, Material] = {
    "name": Material("name_change_proof", "公安机关出具的姓名变更证明（或户口簿姓名变更页）",
                     "the police's certificate of the name change (or the changed page of the "
                     "household register)"),
    "platform": Material("service_agreement", "与新服务平台公司签订的劳动合同或服务协议",
                         "the labour contract or service agreement with the new platform company"),
    "address": Material("residence_proof", "新住址的居住证明（居住证、房屋产权证明或租赁合同）",
                        "proof of the new address (residence permit, title deed or tenancy)"),
}
CHANGE_NAMES = {"name": ("姓名", "name"), "platform": ("服务单位", "service company"),
                "address": ("住址", "address")}


class ChangesSchema(ma.Schema):
    name = Text(validate=ma.validate.Length(min=1, max=50),
                metadata={"description": "The new name, as the police's population register has it"})
    platform = Text(validate=ma.validate.Length(min=1, max=40),
                    metadata={"description": "Code of the platform the driver now serves"})
    address = Text(validate=ma.validate.Length(min=4, max=200),
                   metadata={"description": "The new address to print on the certificate"})

    @ma.validates_schema
    def _something_changes(self, data, **_kwargs):
        if not data:
            raise ma.ValidationError("请至少填写一项变更内容（姓名、服务单位或住址）。"
                                     "Give at least one change: name, platform or address.")


class DocumentSchema(ma.Schema):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(
        [m.kind for m in MATERIALS.values()],
        error="材料类型应为 {choices} 之一。The kind must be one of {choices}."))
    reference = Text(required=True, validate=ma.validate.Length(min=1, max=100), metadata={
        "description": "The document's number or a short description of it"})


class ChangeRequestSchema(ma.Schema):
    changes = ma.fields.Nested(ChangesSchema, required=True)
    documents = ma.fields.List(ma.fields.Nested(DocumentSchema), load_default=list)

    @ma.validates_schema
    def _materials_for_each_change(self, data, **_kwargs):
        given = {document["kind"] for document in data.get("documents", [])}
        missing = [MATERIALS[field] for field in data.get("changes", {})
                   if MATERIALS[field].kind not in given]
        if missing:
            raise ma.ValidationError(
                [f"请提供{m.name}（{m.kind}）。Provide {m.name_en} ({m.kind})." for m in missing],
                "documents")


CHANGE_REQUEST = ChangeRequestSchema()


class ExamSessionSchema(ma.Schema):
    id = ma.fields.Integer()
    place = ma.fields.String(metadata={"example": "厦门市交通运输局考试中心（湖里区）"})
    starts_at = ma.fields.DateTime(metadata={"description": "UTC; shown in Beijing time"})
    starts_at_local = ma.fields.Function(lambda s: exam_time(s.starts_at), metadata={
        "description": "Beijing time, as printed in the notice", "example": "2026-12-10 09:00"})
    seats_left = ma.fields.Integer()


class ExamSessionListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ExamSessionSchema))


class ExamBookingSchema(ma.Schema):
    application_number = ma.fields.Function(lambda b: b.application.number)
    session = ma.fields.Nested(ExamSessionSchema)
    booked_at = ma.fields.DateTime()


class ExamChoiceSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    session = ma.fields.Integer(required=True, strict=True,
                                validate=ma.validate.Range(min=1, max=2147483647),
                                metadata={"description": "An exam session's id "
                                                         "(GET /api/v1/exam-sessions)"})


def exam_time(moment: dt.datetime) -> str:
    """A session's time as people read it: Beijing time."""
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
