"""The staff console (工作人员控制台): sign-in and the overview every role starts from."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from backend.audit.operations import record
from backend.matters.operations import catalogue, summary
from backend.staff.forms import LoginForm
from backend.staff.operations import authenticate

console = Blueprint("console", __name__, url_prefix="/console")


def _safe_next(target: str | None) -> str:
    # Only local paths: never bounce a signed-in clerk to another site.
    if target and target.startswith("/") and not urlsplit(target).netloc and "//" not in target:
        return target
    return url_for("console.index")


@console.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.username.data, form.password.data)
        if user is not None:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        flash("用户名或密码不正确。Wrong username or password.", "error")
    return render_template("console/login.html", form=form)


@console.post("/logout")
@login_required
def logout():
    record(f"staff:{current_user.username}", "staff.logout", "staff", current_user.id)
    logout_user()
    return redirect(url_for("console.login"))


@console.get("/")
@login_required
def index():
    matters = catalogue()
    return render_template("console/index.html", matters=matters, counts=summary(matters))
