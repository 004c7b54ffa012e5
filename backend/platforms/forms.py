"""Console forms of the platform domain (CSRF by Flask-WTF; messages Chinese first)."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional, Regexp

from backend.common.text import PlainText


class ProvinceResultForm(FlaskForm):
    """A provincial reviewer's result; reasons one per line (required when not certified: the
    operation refuses it otherwise)."""

    result = HiddenField(validators=[AnyOf(["certified", "not_certified"], message=(
        "请选择认定或不予认定。Choose certified or not certified."))])
    reasons = TextAreaField("理由（每行一条）Reasons, one per line", validators=[
        Length(max=2000), PlainText(multiline=True)])
    reference = StringField("认定文号 Reference", validators=[Optional(), Length(max=60),
                                                             PlainText()])


class CompanyIdForm(FlaskForm):
    company_id = StringField("部级平台 CompanyId", validators=[
        DataRequired(message="请填写 CompanyId。A CompanyId is required."),
        Regexp(r"^[0-9A-Za-z]{1,32}$", message="CompanyId 应为 1–32 位字母或数字。1–32 letters or digits.")])
