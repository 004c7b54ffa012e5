"""The credit console's forms (CSRF-protected; messages Chinese first)."""

from flask_wtf import FlaskForm
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from backend.common.text import PlainText
from backend.credit.catalogue import Severity
from backend.credit.models import Role

_REQUIRED = "必填。Required."


class RecordForm(FlaskForm):
    """A behaviour recorded by a clerk or an officer; evidence files come with it
    (``evidence``, several allowed) and are checked by ``operations.add_evidence``."""

    behaviour = StringField(validators=[DataRequired(message="请选择失信行为。Choose a behaviour.")])
    subject_key = StringField(validators=[DataRequired(message=_REQUIRED), Length(max=40), PlainText()])
    subject_name = StringField(validators=[DataRequired(message=_REQUIRED), Length(max=200), PlainText()])
    company_uscc = StringField(validators=[Optional(), Length(max=18), PlainText()])
    role = StringField(validators=[Optional(), AnyOf([r.value for r in Role])])
    severity = StringField(validators=[Optional(), AnyOf([s.value for s in Severity])])
    facts = TextAreaField(validators=[DataRequired(message=_REQUIRED), Length(min=5, max=4000),
                                      PlainText(multiline=True)])
    decision_number = StringField(validators=[DataRequired(message="请填写处理决定书文号。The decision "
                                                                   "document's number is required."),
                                              Length(max=80), PlainText()])
    occurred_on = DateField(validators=[DataRequired(message="请填写发生日期。The day it happened.")])


class NoteForm(FlaskForm):
    note = TextAreaField(validators=[DataRequired(message=_REQUIRED), Length(max=500), PlainText(multiline=True)])
    next_review_on = DateField(validators=[Optional()])


class ActionForm(FlaskForm):
    """A step without fields (an evidence upload: its file is read from the request)."""


class GradeForm(FlaskForm):
    period = StringField(validators=[DataRequired(message=_REQUIRED), Length(max=10), PlainText()])
