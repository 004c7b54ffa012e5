import marshmallow as ma


class MatterSchema(ma.Schema):
    code = ma.fields.String(metadata={"example": "driver-cert-renew"})
    name = ma.fields.String(metadata={"description": "Chinese name"})
    name_en = ma.fields.String()
    subject = ma.fields.Function(lambda m: m.subject.value,
                                 metadata={"enum": ["driver", "vehicle", "platform"]})
    zero_material = ma.fields.Boolean()
    instant = ma.fields.Boolean()
    auto_decided = ma.fields.Boolean()
    legal_basis = ma.fields.String()
    time_limit_days = ma.fields.Integer(
        metadata={"description": "Promised time limit in working days; 0 means decided on the spot"}
    )
    channels = ma.fields.List(ma.fields.String(), metadata={"example": ["app", "kiosk", "counter"]})
    inputs = ma.fields.List(ma.fields.String())
    checks = ma.fields.List(ma.fields.String())
    applicant = ma.fields.String(allow_none=True, metadata={
        "enum": ["person", "company"], "description": "Who applies; null: not offered yet"})


class CatalogueSummarySchema(ma.Schema):
    total = ma.fields.Integer()
    zero_material = ma.fields.Integer()
    instant = ma.fields.Integer()
    auto_decided = ma.fields.Integer()


class CatalogueSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(MatterSchema))
    summary = ma.fields.Nested(CatalogueSummarySchema)
