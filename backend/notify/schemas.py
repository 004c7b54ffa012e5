import marshmallow as ma


class MessageSchema(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String(metadata={"example": "certificate.suspended"})
    title = ma.fields.String()
    body = ma.fields.String()
    reference = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()
    read_at = ma.fields.DateTime(allow_none=True)


class MessageListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(MessageSchema))
    unread = ma.fields.Integer()
