"""Records and list entries as their subject sees them (the app, a platform's feed)."""

import marshmallow as ma

from backend.credit.catalogue import behaviour


def _name(record, attribute: str) -> str:
    found = behaviour(record.behaviour_code)
    return getattr(found, attribute) if found else record.behaviour_code


class EntrySchema(ma.Schema):
    list = ma.fields.Function(lambda e: e.list_kind.value, metadata={
        "enum": ["watch", "black"], "description": "watch: 重点关注名单; black: 黑名单"})
    started_at = ma.fields.DateTime()
    review_on = ma.fields.Date(metadata={"description": "A watch entry moves to the blacklist "
                                                       "on this day unless corrected; a blacklist "
                                                       "entry ends then unless a review keeps it"})
    ended_at = ma.fields.DateTime(allow_none=True)
    end_reason = ma.fields.Function(lambda e: e.end_reason.value if e.end_reason else None, metadata={
        "enum": ["moved_to_blacklist", "corrected", "appeal_upheld", "expired", None]})
    review_note = ma.fields.String(allow_none=True)


class RecordSchema(ma.Schema):
    number = ma.fields.String(metadata={"example": "XY-20261206-0001"})
    behaviour = ma.fields.String(attribute="behaviour_code")
    behaviour_name = ma.fields.Function(lambda r: _name(r, "name"))
    behaviour_name_en = ma.fields.Function(lambda r: _name(r, "name_en"))
    legal_basis = ma.fields.Function(lambda r: _name(r, "legal_basis"))
    subject_kind = ma.fields.Function(lambda r: r.subject_kind.value)
    role = ma.fields.Function(lambda r: r.role.value if r.role else None)
    severity = ma.fields.Function(lambda r: r.severity.value)
    facts = ma.fields.String()
    decision_number = ma.fields.String(allow_none=True)
    occurred_on = ma.fields.Date()
    state = ma.fields.Function(lambda r: r.state.value, metadata={"enum": ["in_force", "overturned"]})
    entries = ma.fields.Nested(EntrySchema, many=True)


class MyCreditSchema(ma.Schema):
    listed = ma.fields.String(allow_none=True, metadata={
        "enum": ["watch", "black", None], "description": "The list I am on now, if any"})
    records = ma.fields.Nested(RecordSchema, many=True)
