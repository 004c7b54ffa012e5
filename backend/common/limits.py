"""What one request may carry, refused before anything reads it, in the JSON error shape.

| limit | value | answer |
|---|---|---|
| body | ``MAX_CONTENT_LENGTH`` (256 KiB) | 413 (Flask, on reading the body) |
| JSON nesting | :data:`JSON_MAX_DEPTH` arrays/objects inside each other | 400 |
| request target (path and query, as sent) | :data:`MAX_TARGET_LENGTH` bytes | 414 |
| headers | :data:`MAX_HEADER_COUNT` fields, each at most :data:`MAX_HEADER_BYTES` | 431 |

A JSON body nested deeper than Python's recursion limit made the parser raise
``RecursionError``: a 500 before authentication, for a few hundred bytes of ``[``. Every body
of a JSON request is therefore parsed here once, with the depth bounded, before the schema,
the kiosk signature check or the CSRF check read it.

The target and header limits sit below gunicorn's own (``gunicorn.conf.py``), so the app sees
and answers every request up to gunicorn's limits; only beyond those does gunicorn answer
itself, in plain HTML (README, *Limits*). They are constants, not settings: raising one here
without raising gunicorn's would hand those answers back to gunicorn.
"""

from __future__ import annotations

import json

from flask import Blueprint, Flask, request

from backend.errors import ApiError

JSON_MAX_DEPTH = 32
MAX_TARGET_LENGTH = 4096
MAX_HEADER_COUNT = 100
MAX_HEADER_BYTES = 8190


_OWN_BODIES: set[str] = set()


def init_app(app: Flask) -> None:
    app.before_request(check_limits)


def reads_its_own_body(blueprint: Blueprint) -> Blueprint:
    """Leave the body of ``blueprint``'s requests alone: it sets its own size limit and parses
    and bounds its bodies itself (the supervision intake: batches of megabytes, its own answer
    codes). Reading the body here would apply the app-wide size limit before its own."""
    _OWN_BODIES.add(blueprint.name)
    return blueprint


def check_limits() -> None:
    _check_target()
    _check_headers()
    if request.is_json and request.blueprint not in _OWN_BODIES:
        _check_json_depth(request.get_data(cache=True))


def _check_target() -> None:
    environ = request.environ
    target = environ.get("RAW_URI") or environ.get("REQUEST_URI") or request.full_path
    if len(target) > MAX_TARGET_LENGTH:
        raise ApiError(414, f"请求地址过长（最多 {MAX_TARGET_LENGTH} 个字符），请缩短后重试。",
                       f"The request's address is too long (at most {MAX_TARGET_LENGTH} "
                       "characters); please shorten it.")


def _check_headers() -> None:
    headers = list(request.headers.items())
    too_large = any(len(name) + len(value) + 2 > MAX_HEADER_BYTES for name, value in headers)
    if len(headers) > MAX_HEADER_COUNT or too_large:
        raise ApiError(431, f"请求头过大（最多 {MAX_HEADER_COUNT} 项，每项不超过 "
                            f"{MAX_HEADER_BYTES} 字节），请精简后重试。",
                       f"The request's headers are too large (at most {MAX_HEADER_COUNT} "
                       f"fields of at most {MAX_HEADER_BYTES} bytes each).")


def _check_json_depth(body: bytes) -> None:
    """Refuse a body nested deeper than :data:`JSON_MAX_DEPTH`; a body that is no JSON at all
    is left to the schema, which answers 400 naming the body."""
    try:
        document = json.loads(body)
    except RecursionError:
        raise _too_deep() from None
    except ValueError:  # (not JSON, or not UTF-8: the schema's 400 says so)
        return
    if nesting_depth(document, JSON_MAX_DEPTH) > JSON_MAX_DEPTH:
        raise _too_deep()


def _too_deep() -> ApiError:
    return ApiError(400, f"提交的 JSON 嵌套层数过多（最多 {JSON_MAX_DEPTH} 层），请检查后重试。",
                    f"The JSON body is nested too deeply (at most {JSON_MAX_DEPTH} levels).")


def nesting_depth(document, limit: int) -> int:
    """How many arrays and objects lie inside each other in ``document``, counted up to one
    past ``limit`` (without recursion: the document may be as deep as the parser allowed)."""
    deepest, pending = 0, [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            value = value.values()
        elif not isinstance(value, list):
            continue
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        pending.extend((child, depth + 1) for child in value)
    return deepest
