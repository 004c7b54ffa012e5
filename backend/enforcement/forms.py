"""The enforcement console's forms (CSRF-protected; messages Chinese first)."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length

from backend.common.text import PlainText


class DecisionForm(FlaskForm):
    """An officer's decision on an alert: confirm or dismiss, with what was found."""

    decision = HiddenField(validators=[AnyOf(["confirm", "dismiss"],
                                             message="请选择确认或排除。Confirm or dismiss.")])
    note = TextAreaField("核查情况 What was found", validators=[
        DataRequired(message="请写明核查情况。Say what was found."), Length(max=2000),
        PlainText(multiline=True)])
