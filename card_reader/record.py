"""The decoded identity record and its JSON shape.

:class:`IdentityRecord` is a plain value: decoding (:mod:`card_reader.textblock`)
validates, the record itself does not, so tests can build deliberately bad
records and encode them. :meth:`IdentityRecord.to_json_dict` gives the exact
object printed by ``python -m card_reader decode`` and ``read``; keys that only
make sense for some card types appear only for those types.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from card_reader.codes import nation_name, sex_name


class CardType(Enum):
    """The four card layouts, with their JSON name and type marker."""

    RESIDENT = "resident"
    HMT_RESIDENCE = "hmt_residence"
    FOREIGN_PERMANENT_2017 = "foreign_permanent_2017"
    FOREIGN_PERMANENT_2023 = "foreign_permanent_2023"

    @property
    def marker(self) -> str:
        """The UCS-2 character stored at text offset 248."""
        return _MARKERS[self]

    @property
    def is_foreign(self) -> bool:
        """True for the two foreigner permanent-residence cards."""
        return self in (CardType.FOREIGN_PERMANENT_2017, CardType.FOREIGN_PERMANENT_2023)


_MARKERS = {
    CardType.RESIDENT: " ",
    CardType.HMT_RESIDENCE: "J",
    CardType.FOREIGN_PERMANENT_2017: "I",
    CardType.FOREIGN_PERMANENT_2023: "Y",
}


@dataclass(frozen=True)
class IdentityRecord:
    """One card holder's identity as stored on the card.

    ``valid_until`` is ``None`` for long-term (长期) validity. ``id_number`` is
    the citizen ID number, or the permanent-residence number on foreigner
    cards. ``extras`` keeps layout-specific fields that are not part of the
    JSON shape (card version, authority code, renewal count, ...).
    """

    card_type: CardType
    name: str | None
    sex: str
    birth_date: datetime.date
    id_number: str
    valid_from: datetime.date
    valid_until: datetime.date | None
    name_en: str | None = None
    nation_code: str | None = None
    address: str | None = None
    issuing_authority: str | None = None
    pass_number: str | None = None
    issue_count: int | None = None
    nationality: str | None = None
    chip_serial: str | None = None
    photo: bytes = field(default=b"", repr=False)
    extras: Mapping[str, str] = field(default_factory=dict)

    @property
    def sex_name(self) -> str | None:
        """The sex in words (男/女/...), ``None`` for a code not in GB/T 2261.1."""
        return sex_name(self.sex)

    @property
    def nation(self) -> str | None:
        """The nation name for resident cards, ``None`` if absent or unknown."""
        return nation_name(self.nation_code) if self.nation_code is not None else None

    @property
    def long_term(self) -> bool:
        """True when the card is valid without end date (长期)."""
        return self.valid_until is None

    @property
    def unknown_codes(self) -> list[str]:
        """Names of coded fields whose value is not in the code list."""
        unknown = [] if self.sex_name else ["sex"]
        if self.card_type is CardType.RESIDENT and self.nation is None:
            unknown.append("nation_code")
        return unknown

    def is_expired(self, today: datetime.date | None = None) -> bool:
        """True if the last valid day is before ``today`` (default: today)."""
        if self.valid_until is None:
            return False
        return self.valid_until < (today or datetime.date.today())

    def to_json_dict(self, today: datetime.date | None = None) -> dict[str, Any]:
        """The JSON object printed by the command line, keys in display order."""
        kind = self.card_type
        out: dict[str, Any] = {"card_type": kind.value, "name": self.name}
        if kind.is_foreign:
            out["name_en"] = self.name_en
        out |= {"sex": self.sex, "sex_name": self.sex_name}
        if kind is CardType.RESIDENT:
            out |= {"nation_code": self.nation_code, "nation": self.nation}
        out |= {
            "birth_date": self.birth_date.isoformat(),
            "address": self.address,
            "id_number": self.id_number,
            "issuing_authority": self.issuing_authority,
            "valid_from": self.valid_from.isoformat(),
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "long_term": self.long_term,
        }
        if kind is CardType.HMT_RESIDENCE:
            out |= {"pass_number": self.pass_number, "issue_count": self.issue_count}
        if kind.is_foreign:
            out["nationality"] = self.nationality
        out["expired"] = self.is_expired(today)
        if self.unknown_codes:
            out["unknown_codes"] = self.unknown_codes
        if self.chip_serial is not None:
            out["chip_serial"] = self.chip_serial
        return out

    @classmethod
    def from_json_dict(cls, data: Mapping[str, Any]) -> IdentityRecord:
        """Build a record from the JSON shape (derived keys are ignored).

        Nothing is validated beyond types, so fixtures may describe bad cards.
        """
        valid_until = data.get("valid_until")
        if data.get("long_term"):
            valid_until = None
        return cls(
            card_type=CardType(data["card_type"]),
            name=data.get("name"),
            sex=str(data["sex"]),
            birth_date=datetime.date.fromisoformat(data["birth_date"]),
            id_number=data["id_number"],
            valid_from=datetime.date.fromisoformat(data["valid_from"]),
            valid_until=datetime.date.fromisoformat(valid_until) if valid_until else None,
            name_en=data.get("name_en"),
            nation_code=data.get("nation_code"),
            address=data.get("address"),
            issuing_authority=data.get("issuing_authority"),
            pass_number=data.get("pass_number"),
            issue_count=_optional_int(data.get("issue_count")),
            nationality=data.get("nationality"),
            chip_serial=data.get("chip_serial"),
            extras={key: str(data[key]) for key in EXTRA_KEYS if data.get(key) is not None},
        )


def _optional_int(value: Any) -> int | None:
    return None if value in (None, "") else int(value)


#: Layout-specific fields accepted by :meth:`IdentityRecord.from_json_dict`.
EXTRA_KEYS = ("card_version", "authority_code", "renewal_count", "previous_number_link")
