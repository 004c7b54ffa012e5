"""The intake: ``POST /ipc/v1/<the spec's URI>`` for each national interface (regulatory.md §1.3),
``/ipc/v1/baseinfo/company`` … ``/ipc/v1/rated/driver``.

A request is a signed batch (``auth``) of one interface's records in the ``OTIpc`` envelope, as
JSON or protobuf (``OTIpc`` or ``OTIpcList``), optionally gzip-compressed. The envelope is
checked whole (its bytes, its ``CompanyId``, ``Source`` and ``IPCType``); then every record on
its own (``operations.check``), and only then is anything written (the nonce, then
``operations.store``). The answers, and the spec code each carries as ``ipc_code``:

    200  stored; ``rejected`` lists any refused record by index, field and reason
    400  every record refused (listed as above), or an envelope without the fields it needs
    400  ``ipc_code`` 555: a body that does not deserialise (JSON, protobuf or gzip)
    401  signature, timestamp, nonce or platform not recognised
    403  the platform's licence is not in force, or a ``CompanyId`` other than the signer's
    404  no such interface         413  body too large         415  unsupported encoding
    503  the event store cannot take the batch now: nothing was kept, send it again
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass

from flask import Blueprint, current_app, request
from google.protobuf.message import DecodeError

from backend import transactions
from backend.common import limits
from backend.db import utcnow
from backend.errors import ApiError
from backend.supervision import auth, ipc, operations
from backend.supervision.interfaces import BY_URI, CATALOGUE, Interface

# (bodies of up to SUPERVISION_MAX_BODY_BYTES, parsed and bounded here, deep nesting too: 555)
intake = limits.reads_its_own_body(Blueprint("supervision_intake", __name__, url_prefix="/ipc/v1"))

JSON_TYPES = frozenset({"application/json"})
PROTOBUF_TYPES = frozenset({"application/x-protobuf", "application/protobuf"})
UNDECODABLE = 555


@dataclass(frozen=True)
class Envelope:
    company_ids: frozenset[str]
    sources: tuple
    ipc_types: frozenset
    records: list


# The time of receipt, replayed: a WSGI environ key only an in-process caller can set (the
# simulator replaying a past day through the app itself); nothing a client sends over HTTP
# reaches it (headers arrive as HTTP_*).
REPLAYED_RECEIPT = "wyc.supervision.received_at"


@intake.before_request
def _allow_large_batches():
    request.max_content_length = current_app.config["SUPERVISION_MAX_BODY_BYTES"]


@intake.post("/<path:uri>")
def receive(uri: str):
    """One batch of one interface's records from a licensed platform."""
    interface = BY_URI.get("/" + uri)
    if interface is None:
        raise ApiError(404, "没有这个接口，请核对 URI（例如 /ipc/v1/order/create）。",
                       "No such interface; check the URI (e.g. /ipc/v1/order/create).", ipc_code=404)
    body = request.get_data(cache=False)
    signed = auth.SignedRequest.of(request, body)
    platform = auth.authenticate(signed)
    envelope = _envelope(_inflated(body))
    records = _checked(envelope, interface, platform.company_id)
    checked = operations.check(platform, interface, records)
    # The first write: from here on SQLite's writer lock is held, so the checks above run in
    # parallel across workers and only the storing takes turns.
    auth.use_nonce(platform, signed.nonce)
    received_at = request.environ.get(REPLAYED_RECEIPT) or utcnow()
    received = operations.store(checked, received_at)
    if records and not received.accepted and not received.superseded:
        transactions.keep()  # the refused records are counted, nothing else was stored
        raise ApiError(400, "本批记录全部未通过校验，均未保存，请按 rejected 所列修改后重发。",
                       "Every record of this batch was refused and none was stored; correct them "
                       "as listed in rejected and send again.", ipc_code=400, **received.to_json())
    return {"code": 200, "ipc_code": 200, "status": "OK", "message": "已接收。",
            "message_en": "Received.", **received.to_json()}


# -- the envelope --------------------------------------------------------------------------

def _undecodable(what: str, what_en: str) -> ApiError:
    return ApiError(400, f"请求体无法解析（{what}），整批未接收。",
                    f"The body could not be deserialised ({what_en}); nothing was received.",
                    ipc_code=UNDECODABLE)


def _inflated(body: bytes) -> bytes:
    encoding = request.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding != "gzip":
        raise ApiError(415, "仅支持 gzip 压缩（Content-Encoding: gzip）。",
                       "Only gzip is supported as Content-Encoding.", ipc_code=415)
    limit = current_app.config["SUPERVISION_MAX_INFLATED_BYTES"]
    inflater = zlib.decompressobj(wbits=31)
    try:
        inflated = inflater.decompress(body, limit + 1)
    except zlib.error:
        raise _undecodable("gzip 数据损坏", "corrupt gzip data") from None
    if len(inflated) > limit:
        raise ApiError(413, "解压后的数据过大，请分批发送。",
                       f"The body is larger than {limit} bytes once decompressed; send smaller "
                       "batches.", ipc_code=413)
    if not inflater.eof:
        raise _undecodable("gzip 数据不完整", "truncated gzip data")
    return inflated


def _envelope(body: bytes) -> Envelope:
    kind = request.mimetype
    if kind in JSON_TYPES:
        return _json_envelope(body)
    if kind in PROTOBUF_TYPES:
        return _protobuf_envelope(body)
    raise ApiError(415, "请以 application/json 或 application/x-protobuf 提交。",
                   "Send application/json or application/x-protobuf.", ipc_code=415)


def _json_envelope(body: bytes) -> Envelope:
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise _undecodable("不是合法的 UTF-8 JSON", "not valid UTF-8 JSON") from None
    if not isinstance(document, dict):
        raise _undecodable("JSON 须为一个 OTIpc 对象", "the JSON must be one OTIpc object")
    ipc_type = document.get("IPCType")
    if type(ipc_type) is int:
        ipc_type = ipc.IPC_TYPE_NAMES.get(ipc_type)
    ipc_type = ipc_type if isinstance(ipc_type, str) else None
    payload = document.get(ipc_type)
    records = [payload] if isinstance(payload, dict) else payload
    company_id = document.get("CompanyId")
    return Envelope(frozenset([company_id if isinstance(company_id, str) else None]),
                    (document.get("Source"),), frozenset([ipc_type]), records)


def _protobuf_envelope(body: bytes) -> Envelope:
    try:
        messages = ipc.parse(body)
    except DecodeError:
        raise _undecodable("不是 OTIpc 或 OTIpcList", "not an OTIpc or OTIpcList") from None
    records = []
    ipc_types = set()
    for message in messages:
        ipc_type = ipc.IPC_TYPE_NAMES.get(message.IPCType)
        ipc_types.add(ipc_type)
        if ipc_type is not None:
            records += [ipc.record_dict(record) for record in getattr(message, ipc_type)]
    return Envelope(frozenset(m.CompanyId if m.HasField("CompanyId") else None for m in messages),
                    tuple(m.Source if m.HasField("Source") else None for m in messages),
                    frozenset(ipc_types), records)


def _envelope_error(message: str, message_en: str, **extra) -> ApiError:
    return ApiError(400, f"{message}，整批未接收。", f"{message_en}; nothing was received.",
                    ipc_code=400, **extra)


def _checked(envelope: Envelope, interface: Interface, company_id: str) -> list:
    """The envelope's records, once it is the signer's, of this path's interface, and not empty."""
    if not all(isinstance(company, str) and company for company in envelope.company_ids):
        raise _envelope_error("缺少 CompanyId 字段", "CompanyId is missing")
    if envelope.company_ids != {company_id}:
        raise auth.forbidden("报文中的 CompanyId 与签名平台不一致，整批未接收。",
                             "The CompanyId in the body is not the signing platform's; nothing "
                             "was received.")
    if any(not isinstance(source, str) or not source for source in envelope.sources):
        raise _envelope_error("缺少 Source 字段", "Source is missing")
    if envelope.ipc_types != {interface.ipc_type}:
        known = ", ".join(sorted(str(t) for t in envelope.ipc_types if t in CATALOGUE)) or "none"
        raise _envelope_error(f"IPCType 须为 {interface.ipc_type}（与 URI 对应）",
                              f"IPCType must be {interface.ipc_type} for this URI (got {known})")
    records = envelope.records
    if not isinstance(records, list) or not records:
        raise _envelope_error(f"缺少 {interface.ipc_type} 记录（对象或数组）",
                              f"No {interface.ipc_type} records (an object or an array)")
    limit = current_app.config["SUPERVISION_MAX_RECORDS"]
    if len(records) > limit:
        raise ApiError(413, f"每批最多 {limit} 条记录，请分批发送。",
                       f"At most {limit} records per request; send smaller batches.", ipc_code=413)
    # Every record names its platform too: one naming another is a foreign record.
    if any(isinstance(r, dict) and r.get("CompanyId") not in (None, "", company_id) for r in records):
        raise auth.forbidden("记录中的 CompanyId 与签名平台不一致，整批未接收。",
                             "A record's CompanyId is not the signing platform's; nothing was "
                             "received.")
    return records
