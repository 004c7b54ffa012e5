"""One JSON error shape for every API error, Chinese first with English beside it.

    {"code": 422, "status": "Unprocessable Entity",
     "message": "提交的内容有误，请按提示修改后重试。", "message_en": "...",
     "errors": {"json": {"id_number": ["..."]}}}

``errors`` appears on validation errors and lists every bad field; a few errors add a field of
their own (a 409 names the existing application). A 500 never carries a trace.
"""

from __future__ import annotations

import logging
from http import HTTPStatus

import marshmallow as ma
from flask import current_app, render_template, request
from flask_smorest import Api
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)

MESSAGES: dict[int, tuple[str, str]] = {
    400: ("请求格式有误（例如不是合法的 JSON），请检查后重试。",
          "The request is malformed (for example not valid JSON)."),
    401: ("请先通过 i厦门 实名登录，或登录已过期，请重新登录。",
          "Please sign in with your i厦门 real-name account; the session is missing or expired."),
    403: ("您没有办理此操作的权限。", "You are not allowed to do this."),
    404: ("未找到您要的内容。", "Not found."),
    405: ("不支持此请求方法。", "This method is not allowed here."),
    409: ("与已有的申请或证件冲突。", "This conflicts with an existing application or certificate."),
    413: ("提交的内容过大。", "The request body is too large."),
    415: ("请以 JSON 格式提交。", "Please send JSON."),
    422: ("提交的内容有误，请按提示修改后重试。", "Some fields are invalid; please correct them."),
    429: ("请求过于频繁，请稍后再试。", "Too many requests; please try again later."),
    500: ("系统出现问题，您的数据未丢失，请稍后重试。",
          "Something went wrong on our side. Nothing was lost; please try again later."),
    503: ("服务暂时不可用，请稍后重试。", "The service is temporarily unavailable."),
}


class ApiError(HTTPException):
    """An error raised by our own code with a citizen-readable message and optional extra fields."""

    def __init__(self, code: int, message: str | None = None, message_en: str | None = None,
                 *, headers: dict | None = None, **extra):
        self.code = code
        self.response_headers = headers or {}
        default_zh, default_en = MESSAGES.get(code, ("请求失败。", "The request failed."))
        self.message = message or default_zh
        self.message_en = message_en or default_en
        self.extra = extra
        super().__init__(description=self.message_en)


class ErrorSchema(ma.Schema):
    code = ma.fields.Integer(metadata={"description": "HTTP status code"})
    status = ma.fields.String(metadata={"description": "HTTP status phrase"})
    message = ma.fields.String(metadata={"description": "What happened, in Chinese"})
    message_en = ma.fields.String(metadata={"description": "What happened, in English"})
    errors = ma.fields.Dict(metadata={"description": "Every invalid field, by location"})
    application_number = ma.fields.String(metadata={
        "description": "409: the application this request conflicts with (an open application "
                       "or the one that issued the certificate in force)",
        "example": "XM-WYC-20261130-000123"})
    reason = ma.fields.String(metadata={
        "description": "Kiosk refusals: a code the kiosk program chooses its message by "
                       "(e.g. `card_reported_lost`, `invalid_id_number`)"})
    opens_on = ma.fields.Date(metadata={
        "description": "409 for a renewal before its window or a reissue past its limit: the "
                       "first day it may be applied for (reason `renewal_not_open`, "
                       "`reissue_limit`)"})


def error_body(code: int, *, message: str | None = None, message_en: str | None = None,
               errors: dict | None = None, **extra) -> dict:
    default_zh, default_en = MESSAGES.get(code, ("请求失败。", "The request failed."))
    body = {
        "code": code,
        "status": HTTPStatus(code).phrase,
        "message": message or default_zh,
        "message_en": message_en or default_en,
    }
    if errors:
        body["errors"] = errors
    body.update(extra)
    return body


def _wants_html() -> bool:
    return request.path.startswith(("/console", "/v/", "/h5"))


class JsonErrorApi(Api):
    """flask-smorest's Api with our error shape for every HTTP error on every path."""

    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error: HTTPException):
        code = error.code or 500
        if isinstance(error, ApiError):
            body = error_body(code, message=error.message, message_en=error.message_en,
                              **error.extra)
        else:
            data = getattr(error, "data", None)
            errors = data.get("messages") if isinstance(data, dict) else None
            body = error_body(code, errors=errors)
        headers = _headers_of(error)
        if _wants_html():
            # (a console page's error keeps the console's navigation)
            page = "console/error.html" if request.path.startswith("/console") else "error.html"
            return render_template(page, error=body), code, headers
        return body, code, headers


def _headers_of(error: HTTPException) -> dict:
    """The headers an error's answer needs: werkzeug's own (``Allow`` on a 405, RFC 9110
    §15.5.6; ``WWW-Authenticate``, ``Retry-After``), less its HTML content type, and ours."""
    headers = {name: value for name, value in error.get_headers() if name != "Content-Type"}
    data = getattr(error, "data", None)
    headers.update(getattr(error, "response_headers", None)
                   or (data.get("headers") if isinstance(data, dict) else None) or {})
    return headers


def handle_unexpected(error: Exception):
    """Anything not an HTTP error: log it with the trace, answer the shape without one."""
    if isinstance(error, HTTPException):
        return current_app.extensions["wyc_api"].handle_http_exception(error)
    log.exception("unhandled error on %s %s", request.method, request.path)
    return current_app.extensions["wyc_api"].handle_http_exception(InternalServerError())


CHANGED = ("您要办理的内容刚刚已被另一项操作改变，请刷新后再试。",
           "What you were changing was changed by another request just now; please refresh.")


def handle_stale(_error: Exception):
    """A row changed by another request since this one read it (SQLAlchemy's version check,
    ``StaleDataError``): the later request is refused with 409, nothing of it written."""
    return current_app.extensions["wyc_api"].handle_http_exception(ApiError(409, *CHANGED))
