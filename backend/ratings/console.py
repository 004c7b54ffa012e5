"""差评 in the staff console: each bad review's follow-up (verify, rectify by the deadline, call
the citizen back and record their view). Staff can follow a rating up; nobody can change it."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy.orm import selectinload
from wtforms import StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from backend.common.text import PlainText
from backend.db import db
from backend.errors import ApiError
from backend.licensing.operations import today
from backend.ratings import operations
from backend.ratings.models import (
    OFFLINE_ITEMS,
    ONLINE_ITEMS,
    BadReviewFollowUp,
    FollowUpState,
    ServiceRating,
)
from backend.staff.auth import roles_required, staff_actor
from backend.staff.models import Role
from backend.transactions import refusals_flashed

ratings_console = Blueprint("ratings_console", __name__, url_prefix="/console/ratings")

STATE_LABELS = {FollowUpState.VERIFYING: "待核实 Verifying",
                FollowUpState.RECTIFYING: "整改中 Rectifying",
                FollowUpState.CALLING_BACK: "待回访 Calling back",
                FollowUpState.CLOSED: "已办结 Closed"}


class StepForm(FlaskForm):
    text = TextAreaField(validators=[Optional(), Length(max=2000), PlainText(multiline=True)])
    choice = StringField(validators=[DataRequired(message="请选择。Choose one."),
                                     AnyOf(["yes", "no"])])


class TextStepForm(FlaskForm):
    text = TextAreaField(validators=[DataRequired(message="必填。Required."), Length(max=2000),
                                     PlainText(multiline=True)])


@ratings_console.context_processor
def labels() -> dict:
    return {"FOLLOW_UP_LABELS": STATE_LABELS, "ITEM_LABELS": {**OFFLINE_ITEMS, **ONLINE_ITEMS},
            "today": today()}


def _follow_up_or_404(rating_id: int) -> BadReviewFollowUp:
    follow_up = db.session.scalar(sa.select(BadReviewFollowUp)
                                  .where(BadReviewFollowUp.rating_id == rating_id))
    if follow_up is None:
        abort(404)
    return follow_up


@ratings_console.get("/")
@roles_required(Role.AGENT, Role.HANDLER)
def index():
    """Bad reviews still open first, the earliest rectification deadline first."""
    query = (sa.select(BadReviewFollowUp).options(selectinload(BadReviewFollowUp.rating))
             .order_by(BadReviewFollowUp.state == FollowUpState.CLOSED,
                       BadReviewFollowUp.rectify_by, BadReviewFollowUp.id))
    page = db.paginate(query, page=request.args.get("page", 1, type=int), per_page=30,
                       error_out=False)
    return render_template("ratings/index.html", page=page)


@ratings_console.get("/comments")
@roles_required(Role.AGENT, Role.HANDLER)
def comments():
    """Every rating a citizen wrote a comment with, whatever its level, newest first: what
    people say is read by the staff who follow ratings up, not only the bad reviews' text."""
    query = (sa.select(ServiceRating).where(ServiceRating.comment.is_not(None),
                                            ServiceRating.comment != "")
             .options(selectinload(ServiceRating.application), selectinload(ServiceRating.follow_up))
             .order_by(ServiceRating.created_at.desc(), ServiceRating.id.desc()))
    level = request.args.get("level", type=int)
    if level in range(1, 6):
        query = query.where(ServiceRating.level == level)
    page = db.paginate(query, page=request.args.get("page", 1, type=int), per_page=30,
                       error_out=False)
    return render_template("ratings/comments.html", page=page, level=level)


@ratings_console.get("/<int:rating_id>")
@roles_required(Role.AGENT, Role.HANDLER)
def show(rating_id):
    return render_template("ratings/follow_up.html", follow_up=_follow_up_or_404(rating_id),
                           step_form=StepForm(), text_form=TextStepForm())


def _step(rating_id: int, form_class, step):
    follow_up = _follow_up_or_404(rating_id)
    form = form_class()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in dict.fromkeys(errors):
                flash(message, "error")
    else:
        with refusals_flashed():
            step(follow_up, form)
            flash(f"{STATE_LABELS[follow_up.state]}。Done.")
    return redirect(url_for("ratings_console.show", rating_id=rating_id))


@ratings_console.post("/<int:rating_id>/verify")
@roles_required(Role.AGENT, Role.HANDLER)
def verify(rating_id):
    def step(follow_up, form):
        if not (form.text.data or "").strip():
            raise ApiError(422, "请写明核实情况。", "Say what was found.")
        operations.verify(follow_up, form.text.data, form.choice.data == "yes", actor=staff_actor())
    return _step(rating_id, StepForm, step)


@ratings_console.post("/<int:rating_id>/rectify")
@roles_required(Role.AGENT, Role.HANDLER)
def rectify(rating_id):
    return _step(rating_id, TextStepForm, lambda f, form: operations.rectify(
        f, form.text.data, actor=staff_actor()))


@ratings_console.post("/<int:rating_id>/call-back")
@roles_required(Role.AGENT, Role.HANDLER)
def call_back(rating_id):
    return _step(rating_id, StepForm, lambda f, form: operations.record_view(
        f, form.choice.data == "yes", form.text.data, actor=staff_actor()))
