"""Test vehicles and platforms: mirror records for a vehicle that passes, with overrides."""

from __future__ import annotations

import datetime as dt
import itertools
import json

from backend.licensing import operations as licensing
from backend.licensing.rules import add_years
from backend.platforms.imports import import_platforms
from backend.verification.imports import import_file
from tests.factories import citizen_token, id_number

ADDRESS = {"recipient": "陈车主", "phone": "13800000000", "region_code": "350211",
           "detail": "集美区银江路1号"}
_plates = itertools.count(20001)
_platforms = itertools.count(1)
_usccs = ["91350203MA31ABCD2Y", "91350206MA2Y0G0L1M", "91350211MA34QW8E54"]


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def new_plate(prefix: str = "闽DD") -> str:
    return f"{prefix}{next(_plates):05d}"


def make_platform(code: str | None = None, **overrides) -> str:
    """A platform in the register with a licence in force (unless overridden); its code."""
    code = code or f"platform-{next(_platforms)}"
    record = {"code": code, "name": f"测试{code}网约车有限公司", "uscc": _usccs[0],
              "licence_number": f"闽交运管许可厦字350200{next(_platforms):06d}号",
              "valid_until": add_years(licensing.today(), 2).isoformat(), "status": "valid",
              **overrides}
    import_platforms([json.dumps(record, ensure_ascii=False)])
    return code


def vehicle_record(plate: str, owner: str, **overrides) -> dict:
    today = licensing.today()
    return {"plate": plate, "vin": f"LTEST000000{plate[-5:]}X", "owner_id_number": owner,
            "owner_name": "陈车主", "category": "passenger_car", "seats": 5, "power_type": "BEV",
            "wheelbase_mm": 2750, "first_registered_on": add_years(today, -1).isoformat(),
            "use_nature": "reserved_taxi", "inspection_valid_until": (today + days(200)).isoformat(),
            "status": "normal", **overrides}


def make_vehicle(owner: str, plate: str | None = None, *, insurance="default", gps="now",
                 **overrides) -> str:
    """Registry, insurance and GPS records of a vehicle that passes (unless overridden).

    ``insurance``: a list of policy overrides (``[]`` for none); ``gps``: an aware datetime,
    ``"now"`` or ``None`` for a vehicle that never reported.
    """
    plate = plate or new_plate()
    _import("vehicle_registry", [vehicle_record(plate, owner, **overrides)])
    policies = [{}] if insurance == "default" else insurance
    _import("insurance", [{"plate": plate, "policy_number": f"P{plate[-5:]}-{i}", "insurer": "测试保险",
                           "kind": "营业用汽车损失保险",
                           "valid_until": (licensing.today() + days(100)).isoformat(), **policy}
                          for i, policy in enumerate(policies)])
    if gps is not None:
        at = dt.datetime.now(dt.UTC) if gps == "now" else gps
        _import("gps", [{"plate": plate, "last_position_at": at.isoformat()}])
    return plate


def _import(source: str, records: list[dict]) -> None:
    if records:
        import_file(source, [json.dumps(r, ensure_ascii=False) for r in records])


def owner(client, name: str = "陈车主") -> tuple[str, dict]:
    """A signed-in vehicle owner: (ID number, auth headers)."""
    return citizen_token(client, id_number(), name)


def apply(client, headers, matter="vehicle-permit-issue", key=None, **body):
    payload = {"matter": matter, **body}
    if matter in ("vehicle-permit-issue", "vehicle-cert-reissue", "vehicle-cert-renew"):
        payload.setdefault("mailing_address", ADDRESS)
    extra = {"Idempotency-Key": key} if key else {}
    return client.post("/api/v1/applications", json=payload, headers={**headers, **extra})


def failing(response) -> set[str]:
    return {c["rule"] for c in response.json["checks"] if c["outcome"] == "fail"}
