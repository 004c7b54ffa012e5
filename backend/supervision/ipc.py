"""The ``OTIpc`` / ``OTIpcList`` protobuf schema (regulatory.md §1.2, Appendix A), built at import
from the catalogue in ``interfaces.py``.

The wire format is the ministry's: proto2, package ``com.yipin.data.upload.proto``, one message per
interface with the Appendix A field numbers, and in ``OTIpc`` ``CompanyId = 1``, ``Source = 2``,
``IPCType = 3`` and each interface's payload as ``repeated <Message> <ipcType> = <IpcType code>``;
``OTIpcList { repeated OTIpc otpic = 1; }``. ``ipc.proto`` beside this module is the same schema as
text for platforms' engineers (``proto_text()`` renders it; a test keeps the file current).

Building descriptors at runtime (``descriptor_pb2`` → ``message_factory``) needs no ``protoc``
and cannot drift from the validation rules, which read the same field tables.
"""

from __future__ import annotations

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.message import DecodeError

from backend.supervision.interfaces import CATALOGUE, Interface

PACKAGE = "com.yipin.data.upload.proto"
FILE_NAME = "OTIpcDef.proto"
_FDP = descriptor_pb2.FieldDescriptorProto
_TYPES = {"string": _FDP.TYPE_STRING, "uint32": _FDP.TYPE_UINT32, "uint64": _FDP.TYPE_UINT64,
          "int32": _FDP.TYPE_INT32, "float": _FDP.TYPE_FLOAT}
_LABEL = {True: _FDP.LABEL_REQUIRED, False: _FDP.LABEL_OPTIONAL}


def _message(interface: Interface) -> descriptor_pb2.DescriptorProto:
    message = descriptor_pb2.DescriptorProto(name=interface.message_name)
    for field in interface.fields:
        message.field.add(name=field.name, number=field.number, type=_TYPES[field.proto_type],
                          label=_LABEL[field.required])
    return message


def _envelope() -> descriptor_pb2.DescriptorProto:
    envelope = descriptor_pb2.DescriptorProto(name="OTIpc")
    envelope.field.add(name="CompanyId", number=1, type=_FDP.TYPE_STRING, label=_FDP.LABEL_REQUIRED)
    envelope.field.add(name="Source", number=2, type=_FDP.TYPE_STRING, label=_FDP.LABEL_REQUIRED)
    envelope.field.add(name="IPCType", number=3, type=_FDP.TYPE_ENUM, label=_FDP.LABEL_REQUIRED,
                       type_name=f".{PACKAGE}.IpcType")
    for interface in CATALOGUE.values():
        envelope.field.add(name=interface.ipc_type, number=interface.code,
                           type=_FDP.TYPE_MESSAGE, label=_FDP.LABEL_REPEATED,
                           type_name=f".{PACKAGE}.{interface.message_name}")
    return envelope


def _file() -> descriptor_pb2.FileDescriptorProto:
    proto = descriptor_pb2.FileDescriptorProto(name=FILE_NAME, package=PACKAGE, syntax="proto2")
    proto.message_type.extend(_message(interface) for interface in CATALOGUE.values())
    proto.message_type.append(_envelope())
    listing = proto.message_type.add(name="OTIpcList")
    listing.field.add(name="otpic", number=1, type=_FDP.TYPE_MESSAGE, label=_FDP.LABEL_REPEATED,
                      type_name=f".{PACKAGE}.OTIpc")
    kinds = proto.enum_type.add(name="IpcType")
    for interface in CATALOGUE.values():
        kinds.value.add(name=interface.ipc_type, number=interface.code)
    return proto


_pool = descriptor_pool.DescriptorPool()
_pool.Add(_file())
OTIpc = message_factory.GetMessageClass(_pool.FindMessageTypeByName(f"{PACKAGE}.OTIpc"))
OTIpcList = message_factory.GetMessageClass(_pool.FindMessageTypeByName(f"{PACKAGE}.OTIpcList"))
IPC_TYPE_NAMES = {interface.code: interface.ipc_type for interface in CATALOGUE.values()}


def message_class(interface: Interface):
    return message_factory.GetMessageClass(
        _pool.FindMessageTypeByName(f"{PACKAGE}.{interface.message_name}"))


def parse(body: bytes) -> list:
    """The ``OTIpc`` envelopes in ``body``: one, or those of an ``OTIpcList``. Both start with a
    length-delimited field 1, so an ``OTIpc`` is recognised by its required ``IPCType``.
    Raises ``DecodeError`` for bytes that are neither."""
    single = OTIpc()
    single.MergeFromString(body)
    if single.HasField("IPCType"):
        return [single]
    listing = OTIpcList()
    listing.MergeFromString(body)
    if not listing.otpic:
        raise DecodeError("neither an OTIpc nor an OTIpcList")
    return list(listing.otpic)


_NAMES = {interface.message_name: tuple(f.name for f in interface.fields)
          for interface in CATALOGUE.values()}
_FLOATS = {interface.message_name: tuple(f.name for f in interface.fields if f.proto_type == "float")
           for interface in CATALOGUE.values()}


def record_dict(message) -> dict:
    """A payload message as a dict of the fields it carries (absent optional fields left out);
    32-bit floats are given back with the digits the sender meant (12.3, not 12.30000019).
    (``HasField`` + ``getattr`` by name is about 1.5x quicker than ``ListFields`` here.)"""
    kind = message.DESCRIPTOR.name
    record = {name: getattr(message, name) for name in _NAMES[kind] if message.HasField(name)}
    for name in _FLOATS[kind]:
        if name in record:
            record[name] = float(f"{record[name]:.7g}")
    return record


def envelope_bytes(company_id: str, interface: Interface, records: list[dict], *,
                   source: str = "0") -> bytes:
    """An ``OTIpc`` carrying ``records`` (what a platform sends; for tests and the simulator)."""
    envelope = OTIpc(CompanyId=company_id, Source=source, IPCType=interface.code)
    payload = getattr(envelope, interface.ipc_type)
    for record in records:
        payload.add(**record)
    return envelope.SerializePartialToString()


# -- the schema as text ---------------------------------------------------------------------

_TYPE_NAMES = {value: name for name, value in _TYPES.items()}
_LABEL_NAMES = {_FDP.LABEL_REQUIRED: "required", _FDP.LABEL_OPTIONAL: "optional",
                _FDP.LABEL_REPEATED: "repeated"}


def _field_text(field: descriptor_pb2.FieldDescriptorProto) -> str:
    kind = field.type_name.rsplit(".", 1)[-1] if field.type_name else _TYPE_NAMES[field.type]
    return f"  {_LABEL_NAMES[field.label]} {kind} {field.name} = {field.number};"


def proto_text() -> str:
    """``ipc.proto``: the schema above as protobuf text."""
    proto = _file()
    lines = ["// The national 网约车监管信息交互平台 interface schema (regulatory.md §1.2, Appendix A).",
             "// Generated from backend/supervision/interfaces.py by backend.supervision.ipc.proto_text;",
             "// do not edit by hand.", 'syntax = "proto2";', "", f"package {PACKAGE};", ""]
    for message in proto.message_type:
        lines += [f"message {message.name} {{", *map(_field_text, message.field), "}", ""]
    for kinds in proto.enum_type:
        lines += [f"enum {kinds.name} {{",
                  *(f"  {value.name} = {value.number};" for value in kinds.value), "}"]
    return "\n".join(lines) + "\n"
