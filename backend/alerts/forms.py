"""The clerk's decisions on a suspension (CSRF-protected; messages Chinese first)."""

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from backend.common.text import PlainText

_REQUIRED = "必填。Required."


class RevokeForm(FlaskForm):
    reason = TextAreaField(validators=[DataRequired(message=_REQUIRED), Length(max=500),
                                       PlainText(multiline=True)])
    legal_basis = StringField(validators=[DataRequired(message=_REQUIRED), Length(max=300),
                                          PlainText()])


class ReinstateForm(FlaskForm):
    reason = TextAreaField(validators=[DataRequired(message=_REQUIRED), Length(max=500),
                                       PlainText(multiline=True)])
