"""Storing classified reads, the alerts they open, an officer's decision on an alert and its
evidence, and the plate look-ups (staff and public).

The camera worker (``backend.enforcement.worker``) calls :func:`record` once per batch inside
its own transaction; the console and the API call the rest within a request.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from flask import current_app

from backend.audit.operations import record as audit
from backend.certificates.models import Certificate, Kind, Status, StatusChange
from backend.certificates.tokens import china_today
from backend.credit import lists as credit_lists
from backend.db import db, utcnow
from backend.enforcement import storage
from backend.enforcement.classify import FEED_INTERFACES, Classification
from backend.enforcement.messages import Read
from backend.enforcement.models import AlertStatus, CameraAlert, CameraRead, RejectedRead, Result
from backend.errors import ApiError
from backend.platforms.models import Platform
from backend.supervision import events
from backend.supervision.positions import last_position_at

WORKER = "cameras"  # the actor of what the camera worker writes


# -- the worker's batch ---------------------------------------------------------------------------

def record(classified: Sequence[tuple[Read, Classification]], received_at: dt.datetime) -> int:
    """Store a batch of classified reads; suspected ones open an alert for their plate or join
    the open one. A read stored before (a redelivery) is not stored again. Returns how many
    reads were new."""
    alerts = _alerts_for([(read, result) for read, result in classified
                          if result.result == Result.SUSPECTED])
    rows = [(read.seen_at, read.camera, read.plate, read.colour, read.lat, read.lon,
             read.image_ref, result.result.value, result.platform_code,
             ",".join(result.companies) or None, result.blacklisted,
             alerts[read.plate].id if read.plate in alerts else None)
            for read, result in classified]
    return storage.insert_reads(rows, received_at)


def reject(messages: Sequence[tuple[str, bytes, str]], received_at: dt.datetime) -> None:
    """Keep messages that are not reads (topic, payload, reason) for the vendor's engineers."""
    for topic, payload, reason in messages:
        # (a NUL is kept as U+FFFD: PostgreSQL's text cannot hold it)
        text = payload[:4000].decode("utf-8", "replace").replace("\x00", "\ufffd")
        db.session.add(RejectedRead(topic=topic[:200].replace("\x00", "\ufffd"),
                                    reason=reason[:300], payload=text[:1000],
                                    received_at=received_at))


def _alerts_for(suspected: list[tuple[Read, Classification]]) -> dict[str, CameraAlert]:
    """The open alert of each suspected plate, opened or widened by these reads."""
    if not suspected:
        return {}
    by_plate: dict[str, list[tuple[Read, Classification]]] = {}
    for read, result in suspected:
        by_plate.setdefault(read.plate, []).append((read, result))
    alerts = {alert.plate: alert for alert in db.session.scalars(
        sa.select(CameraAlert).where(CameraAlert.open_plate.in_(by_plate)))}
    for plate, reads in by_plate.items():
        first = min(read.seen_at for read, _ in reads)
        last = max(read.seen_at for read, _ in reads)
        reasons = sorted({reason for _, result in reads for reason in result.reasons})
        companies = sorted({company for _, result in reads for company in result.companies})
        if plate in alerts:
            _widen(alerts[plate], first, last, reasons, companies)
        else:
            alerts[plate] = _open(reads[0][0], first, last, reasons, companies)
    db.session.flush()
    return alerts


def _open(read: Read, first: dt.datetime, last: dt.datetime, reasons: list[str],
          companies: list[str]) -> CameraAlert:
    alert = CameraAlert(plate=read.plate, open_plate=read.plate, status=AlertStatus.OPEN,
                  reasons=reasons, companies=companies, first_seen_at=first, last_seen_at=last)
    db.session.add(alert)
    audit(WORKER, "enforcement.alert.opened", "enforcement_alert", alert,
          after={"plate": read.plate, "reasons": reasons, "companies": companies,
                 "camera": read.camera, "seen_at": read.seen_at.isoformat()})
    return alert


# An alert's first and last sightings are kept to the minute (the console shows minutes; the
# reads themselves have the exact times): a car read every few seconds does not rewrite its
# alert every batch.
SIGHTING_PRECISION = dt.timedelta(minutes=1)


def _widen(alert: CameraAlert, first: dt.datetime, last: dt.datetime, reasons: list[str],
           companies: list[str]) -> None:
    if not set(reasons) <= set(alert.reasons) or not set(companies) <= set(alert.companies):
        alert.reasons = sorted(set(alert.reasons) | set(reasons))
        alert.companies = sorted(set(alert.companies) | set(companies))
    if first < alert.first_seen_at - SIGHTING_PRECISION:
        alert.first_seen_at = first
    if last > alert.last_seen_at + SIGHTING_PRECISION:
        alert.last_seen_at = last


# -- an officer's decision ----------------------------------------------------------------------

def decide(alert: CameraAlert, confirmed: bool, note: str, *, actor: str) -> CameraAlert:
    """Confirm (illegal operation found) or dismiss an open alert, with the officer's note; the
    evidence as it stands is kept with the decision."""
    if alert.status != AlertStatus.OPEN:
        raise ApiError(409, "该预警已处理。", "This alert has already been decided.",
                       status=alert.status.value)
    before = {"status": alert.status}
    alert.evidence = evidence(alert)
    alert.status = AlertStatus.CONFIRMED if confirmed else AlertStatus.DISMISSED
    alert.open_plate, alert.note = None, note
    alert.decided_at, alert.decided_by = utcnow(), actor
    audit(actor, f"enforcement.alert.{alert.status.value}", "enforcement_alert", alert,
          before=before, after={"status": alert.status, "note": note})
    return alert


def alert_reads(alert: CameraAlert, limit: int = 200) -> list[CameraRead]:
    return list(db.session.scalars(sa.select(CameraRead).where(
        CameraRead.plate == alert.plate, CameraRead.alert_id == alert.id)
                                   .order_by(CameraRead.seen_at.desc()).limit(limit)))


def evidence(alert: CameraAlert) -> dict:
    """What an officer decides on: the alert's reads, the plate's orders and positions in the
    platforms' feed around them (within the feed window), and its certificates' history."""
    reads = alert_reads(alert)
    return {"reads": [_read_json(read) for read in reads],
            "feed": feed_near(alert.plate, alert.first_seen_at, alert.last_seen_at),
            "certificates": certificate_history(alert.plate),
            "blacklisted": credit_lists.plate_blacklisted(alert.plate)}


def _read_json(read: CameraRead) -> dict:
    return {"camera": read.camera, "seen_at": read.seen_at.isoformat(), "colour": read.colour,
            "lat": read.latitude, "lon": read.longitude, "image_ref": read.image_ref,
            "companies": read.companies, "blacklisted": read.blacklisted}


FEED_LIMIT = 200


def feed_near(plate: str, first: dt.datetime, last: dt.datetime) -> list[dict]:
    """The plate's orders and positions in the event store from a window before ``first`` to a
    window after ``last`` (Beijing times, as the store keeps them), the latest first."""
    window = dt.timedelta(minutes=current_app.config["ENFORCEMENT_FEED_WINDOW_MINUTES"])
    start, end = (_beijing(first - window), _beijing(last + window))
    scans = " UNION ALL ".join(
        f"SELECT '{name}' AS interface, CompanyId AS company, event_time, "
        f"{_detail(name)} AS detail FROM \"{name}\" WHERE day BETWEEN ? AND ? "
        f'AND "{column}" = ? AND event_time BETWEEN ? AND ?'
        for name, column in FEED_INTERFACES.items())
    parameters = [start.date(), end.date(), plate, start, end] * len(FEED_INTERFACES)
    rows = events.query(f"SELECT * FROM ({scans}) ORDER BY event_time DESC LIMIT {FEED_LIMIT}",
                        parameters)
    return [{"interface": row["interface"], "company": row["company"],
             "time": row["event_time"].isoformat() + "+08:00", "detail": row["detail"]}
            for row in rows]


def _detail(interface: str) -> str:
    """What to show of an event: the order, or the position."""
    if interface == "positionVehicle":
        return ("printf('%.5f, %.5f', Latitude / 1e6, Longitude / 1e6) "
                "|| coalesce(' ' || OrderId, '')")
    return "OrderId"


def _beijing(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(events.BEIJING).replace(tzinfo=None)


def certificate_history(plate: str) -> list[dict]:
    """Every transport certificate the plate ever had, each with its validity history."""
    certificates = db.session.scalars(
        sa.select(Certificate).where(Certificate.kind == Kind.TRANSPORT, Certificate.plate == plate)
        .order_by(Certificate.issued_at, Certificate.id)).all()
    changes = db.session.scalars(sa.select(StatusChange).where(
        StatusChange.certificate_id.in_([c.id for c in certificates]))
        .order_by(StatusChange.at, StatusChange.id)).all()
    return [{"number": c.number, "version": c.version, "platform": c.platform_code,
             "valid_from": c.valid_from.isoformat(), "valid_until": c.valid_until.isoformat(),
             "history": [{"status": h.status.value, "at": h.at.isoformat(), "reason": h.reason}
                         for h in changes if h.certificate_id == c.id]}
            for c in certificates]


# -- look-ups ------------------------------------------------------------------------------------

# (plain rows: a look-up answers in a millisecond or two, and an ORM object costs more)
_CERTIFICATE_COLUMNS = (Certificate.number, Certificate.version, Certificate.status,
                        Certificate.valid_from, Certificate.valid_until,
                        Certificate.platform_code, Platform.name.label("platform_name"))


def _certificate_row(plate: str, *, in_force_only: bool = False):
    """The plate's certificate in force if it has one, else (unless ``in_force_only``) its
    most recent one, with its platform's name (one query either way)."""
    query = (sa.select(*_CERTIFICATE_COLUMNS)
             .outerjoin(Platform, Platform.code == Certificate.platform_code))
    if in_force_only:
        return db.session.execute(query.where(Certificate.valid_plate == plate)).first()
    # (only a certificate in force or suspended holds the plate in ``valid_plate``: it sorts first)
    return db.session.execute(
        query.where(Certificate.kind == Kind.TRANSPORT, Certificate.plate == plate)
        .order_by(Certificate.valid_plate.is_(None), Certificate.issued_at.desc(),
                  Certificate.id.desc()).limit(1)).first()


def _status_today(row) -> Status:
    """As ``Certificate.effective_status``: a valid certificate past its end date is expired."""
    today = china_today()
    if row.status == Status.VALID and today > row.valid_until:
        return Status.EXPIRED
    return row.status


def _licensed(row) -> bool:
    return (row is not None and row.valid_from <= china_today()
            and _status_today(row) == Status.VALID)


def passenger_check(plate: str) -> dict:
    """What a passenger may know: licensed now or not, on which platform, and until when its
    transport certificate runs. Nothing about the owner."""
    row = _certificate_row(plate, in_force_only=True)
    licensed = _licensed(row)
    return {"plate": plate, "licensed": licensed,
            "platform": (row.platform_name or row.platform_code) if licensed else None,
            "valid_until": row.valid_until if licensed else None}


def public_status(plate: str) -> dict:
    """The public API's answer: licensed now or not, and on which platform. Nothing else."""
    check = passenger_check(plate)
    return {key: check[key] for key in ("plate", "licensed", "platform")}


def staff_status(plate: str) -> dict:
    """What an officer or clerk looks up: the certificate, its platform, the blacklist, where
    the cameras and the feed last saw the plate, and an open alert."""
    row = _certificate_row(plate)
    licensed = _licensed(row)
    status = "licensed" if licensed else _status_today(row).value if row else "none"
    last = db.session.execute(
        sa.select(CameraRead.seen_at, CameraRead.camera, CameraRead.latitude,
                  CameraRead.longitude, CameraRead.result)
        .where(CameraRead.plate == plate).order_by(CameraRead.seen_at.desc()).limit(1)).first()
    alert = db.session.scalar(sa.select(CameraAlert.id).where(CameraAlert.open_plate == plate))
    return {
        "plate": plate, "licensed": licensed, "status": status,
        "certificate": None if row is None else {
            "number": row.number, "version": row.version, "status": _status_today(row).value,
            "valid_from": row.valid_from, "valid_until": row.valid_until},
        "platform": None if row is None or not row.platform_code else {
            "code": row.platform_code, "name": row.platform_name or row.platform_code},
        "blacklisted": credit_lists.plate_blacklisted(plate),
        "last_seen": None if last is None else {
            "at": last.seen_at, "camera": last.camera, "lat": last.latitude,
            "lon": last.longitude, "result": last.result.value},
        "last_position_at": last_position_at(plate),
        "open_alert": alert,
    }


# -- upkeep --------------------------------------------------------------------------------------

def prune(before: dt.datetime) -> int:
    """Drop the reads seen before ``before`` that no alert points at; how many."""
    result = db.session.execute(sa.delete(CameraRead).where(
        CameraRead.seen_at < before, CameraRead.alert_id.is_(None)))
    db.session.execute(sa.delete(RejectedRead).where(RejectedRead.received_at < before))
    return result.rowcount
