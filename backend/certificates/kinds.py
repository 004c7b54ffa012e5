"""The registry of certificate kinds.

Each kind (driver certificate 《网络预约出租汽车驾驶员证》, vehicle transport certificate
《网络预约出租汽车运输证》, platform licence 《网络预约出租汽车经营许可证》) is one registered
object. The renderer asks it for its title and the rows of its table; the token code asks it
for its one-letter code and whether the holder's name is personal data to mask. Adding a kind
means registering one more object, not editing if-chains.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from backend.certificates.render import CertificateView


@dataclass(frozen=True)
class Row:
    """One line of the certificate table: a printed label and how to read its value."""

    label: str
    value: Callable[[CertificateView], str]


@dataclass(frozen=True)
class CertificateKind:
    """What differs between certificate kinds; everything else is shared."""

    name: str  # stored value, same as the database enum (driver / transport / platform)
    token_code: str  # one letter in the signed token, to keep the QR code small
    title: str
    title_en: str
    rows: tuple[Row, ...]
    photo_label: str
    mask_holder: bool  # a natural person's name is masked in the token; a company's is not
    requires_plate: bool = False
    # The number is the holder's ID number (a driver certificate's, as on the real card): the
    # token then carries it masked, and the certificate's register id to find it by.
    number_is_id_number: bool = False


_KINDS: dict[str, CertificateKind] = {}


def register_kind(kind: CertificateKind) -> CertificateKind:
    """Add a kind to the registry; names and token codes must stay unique."""
    for other in _KINDS.values():
        if kind.token_code == other.token_code and kind.name != other.name:
            raise ValueError(f"token code {kind.token_code!r} already used by {other.name}")
    _KINDS[kind.name] = kind
    return kind


def get_kind(name: str) -> CertificateKind:
    """The registered kind called ``name``; ``ValueError`` for an unknown kind."""
    try:
        return _KINDS[str(name)]
    except KeyError:
        raise ValueError(f"unknown certificate kind {name!r}") from None


def kind_for_token_code(code: str) -> CertificateKind | None:
    """The kind a token's ``k`` claim names, or ``None`` when no kind has that code."""
    return next((kind for kind in _KINDS.values() if kind.token_code == code), None)


def all_kinds() -> tuple[CertificateKind, ...]:
    return tuple(_KINDS.values())


def _validity(view: CertificateView) -> str:
    return f"{chinese_date(view.valid_from)} 至 {chinese_date(view.valid_until)}"


def _optional(value: str | None) -> str:
    return value or "—"


def chinese_date(day: date) -> str:
    """``2024年03月01日``, the way dates are printed on Chinese certificates."""
    return f"{day.year}年{day.month:02d}月{day.day:02d}日"


DRIVER = register_kind(
    CertificateKind(
        name="driver",
        token_code="d",
        title="网络预约出租汽车驾驶员证",
        title_en="Online Ride-hailing Driver Certificate",
        rows=(
            Row("姓名", lambda v: v.holder_name),
            Row("证号", lambda v: v.number),
            Row("住址", lambda v: _optional(v.address)),
            Row("服务单位", lambda v: _optional(v.platform_name)),
            Row("从业资格类别", lambda v: "网络预约出租汽车驾驶员"),
            Row("有效期限", _validity),
        ),
        photo_label="照片",
        mask_holder=True,
        number_is_id_number=True,
    )
)

TRANSPORT = register_kind(
    CertificateKind(
        name="transport",
        token_code="t",
        title="网络预约出租汽车运输证",
        title_en="Online Ride-hailing Vehicle Transport Certificate",
        rows=(
            Row("车辆所有人", lambda v: v.holder_name),
            Row("车牌号码", lambda v: _optional(v.plate)),
            Row("车辆型号", lambda v: _optional(v.vehicle_model)),
            Row("服务平台", lambda v: _optional(v.platform_name)),
            Row("证号", lambda v: v.number),
            Row("有效期限", _validity),
        ),
        photo_label="车辆照片",
        mask_holder=True,
        requires_plate=True,
    )
)

def _detail(name: str, default: str = "—") -> Callable[[CertificateView], str]:
    """A value of the kind's own printed fields (``Certificate.details``)."""
    def value(view: CertificateView) -> str:
        found = view.details.get(name)
        if isinstance(found, list):
            return "；".join(found) or default
        return found or default

    return value


PLATFORM = register_kind(
    CertificateKind(
        name="platform",
        token_code="p",
        title="网络预约出租汽车经营许可证",
        title_en="Online Ride-hailing Platform Operating Licence",
        rows=(
            Row("经营者名称", lambda v: v.holder_name),
            Row("统一社会信用代码", _detail("uscc")),
            Row("住所", _detail("address")),
            Row("法定代表人", _detail("legal_representative")),
            Row("许可证编号", lambda v: v.number),
            Row("经营范围", _detail("scope", "网络预约出租汽车客运")),
            Row("经营区域", _detail("area", "厦门市")),
            Row("服务机构地址", _detail("service_locations")),
            Row("有效期限", _validity),
        ),
        photo_label="经营者标识",
        mask_holder=False,
    )
)
