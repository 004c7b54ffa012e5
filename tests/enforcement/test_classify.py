"""Classifying reads against the licence register's history, the platforms' feed and the
blacklist hook, as the camera worker does it."""

from __future__ import annotations

import datetime as dt

import pytest

from backend.certificates import operations as certificates
from backend.certificates.models import Status
from backend.db import utcnow
from backend.enforcement import classify
from backend.enforcement.classify import Classifier
from backend.enforcement.messages import parse
from backend.enforcement.models import Result
from backend.supervision import events
from tests.credit.helpers import record
from tests.enforcement.helpers import feed_order, feed_positions, message, transport_certificate

WINDOW = dt.timedelta(minutes=15)


@pytest.fixture
def store(app, database, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "SUPERVISION_EVENTS_DIR", str(tmp_path / "events"))
    return events.store()


def classified(classifier: Classifier, plate: str, seen_at: dt.datetime):
    classifier.catch_up(utcnow(), force_feed=True)
    return classifier.classify(parse(*message(plate, seen_at), utcnow()))


def test_a_plate_with_a_certificate_in_force_is_licensed_on_its_platform(store):
    transport_certificate("闽DD10001", "lujiang-go")
    result = classified(Classifier(store, WINDOW), "闽DD10001", utcnow())
    assert (result.result, result.platform_code) == (Result.LICENSED, "lujiang-go")


def test_a_certificate_revoked_a_minute_before_the_read_no_longer_covers_it(store):
    """The worker loaded the certificate while it was valid; its revocation, a minute before
    the read, reaches the worker's index before the read's batch is classified."""
    certificate = transport_certificate("闽DD10002", "lujiang-go")
    classifier = Classifier(store, WINDOW)
    now = utcnow()
    assert classified(classifier, "闽DD10002", now).result == Result.LICENSED
    certificates.set_status(certificate, Status.REVOKED, actor="test", reason="测试 test",
                            at=now - dt.timedelta(minutes=1))
    feed_positions("3502DEMOLUJIANG", "闽DD10002", now - dt.timedelta(minutes=3))
    result = classified(classifier, "闽DD10002", now)
    assert (result.result, result.companies) == (Result.SUSPECTED, ("3502DEMOLUJIANG",))
    # the same car read two minutes earlier, before the revocation, was licensed then
    assert classified(classifier, "闽DD10002", now - dt.timedelta(minutes=2)).result \
        == Result.LICENSED


def test_a_certificate_past_its_last_day_does_not_cover_a_read(store):
    yesterday = dt.datetime.now(classify.BEIJING).date() - dt.timedelta(days=1)
    transport_certificate("闽DD10003", "lujiang-go", valid_until=yesterday)
    result = classified(Classifier(store, WINDOW), "闽DD10003", utcnow())
    assert result.result == Result.ORDINARY


def test_a_replaced_certificate_hands_over_to_its_new_version_without_a_gap(store):
    first = transport_certificate("闽DD10004", "lujiang-go")
    classifier = Classifier(store, WINDOW)
    classified(classifier, "闽DD10004", utcnow())
    certificates.issue(kind=first.kind, number=first.number, holder=first.holder, actor="test",
                       valid_from=first.valid_from, valid_until=first.valid_until,
                       previous=first, plate=first.plate, platform_code="xm-green-ride",
                       valid_plate=None)
    assert classified(classifier, "闽DD10004", utcnow()).platform_code == "xm-green-ride"


def test_an_unlicensed_plate_in_a_platforms_positions_within_the_window_is_suspected(store):
    now = utcnow()
    feed_positions("3502DEMOGREEN", "闽DD20001", now - dt.timedelta(minutes=40),
                   now - dt.timedelta(minutes=30))
    classifier = Classifier(store, WINDOW)
    assert classified(classifier, "闽DD20001", now - dt.timedelta(minutes=20)).result \
        == Result.SUSPECTED
    # 16 minutes after its last position the car is no longer operating by the feed
    assert classified(classifier, "闽DD20001", now - dt.timedelta(minutes=14)).result \
        == Result.ORDINARY


def test_an_unlicensed_plate_in_a_platforms_orders_is_suspected(store):
    now = utcnow()
    feed_order("3502DEMOGREEN", "闽DD20002", now - dt.timedelta(minutes=5), "ORDER-1")
    result = classified(Classifier(store, WINDOW), "闽DD20002", now)
    assert (result.result, result.companies, result.reasons) == (
        Result.SUSPECTED, ("3502DEMOGREEN",), ["feed"])


def test_feed_received_after_the_worker_started_is_caught_up(store):
    classifier = Classifier(store, WINDOW)
    now = utcnow()
    assert classified(classifier, "闽DD20003", now).result == Result.ORDINARY
    feed_positions("3502DEMOGREEN", "闽DD20003", now - dt.timedelta(minutes=1))
    assert classified(classifier, "闽DD20003", now).result == Result.SUSPECTED


def blacklist(plate: str) -> None:
    """The vehicle on the 黑名单, as the credit package puts it there (an especially severe
    behaviour: a forged transport certificate)."""
    record("veh.forged_certificate", plate, plate)


def test_a_blacklisted_plate_is_suspected_without_the_feed(store):
    blacklist("闽DD30001")
    result = classified(Classifier(store, WINDOW), "闽DD30001", utcnow())
    assert (result.result, result.blacklisted, result.reasons) == (
        Result.SUSPECTED, True, ["blacklist"])


def test_a_blacklisted_plate_with_a_certificate_in_force_is_licensed(store):
    """The blacklist keeps a vehicle from new permits (the credit package's effect); a
    certificate still in force is what the camera checks."""
    blacklist("闽DD30002")
    transport_certificate("闽DD30002", "lujiang-go")
    assert classified(Classifier(store, WINDOW), "闽DD30002", utcnow()).result == Result.LICENSED


def test_a_vehicle_on_the_watch_list_only_is_not_blacklisted(store):
    assert classify.blacklisted_plates() == frozenset()
    record("veh.unlicensed", "闽DD30003", "闽DD30003")  # (severe: the 重点关注名单)
    assert classify.blacklisted_plates() == frozenset()


@pytest.mark.parametrize("changes, reason", [
    ({"colour": "purple"}, "colour"),
    ({"seen_at": "2026-12-06 10:00:00"}, "seen_at"), ({"lat": 95.0}, "lat"),
    ({"lon": "118.1"}, "lon"),
    ({"image_ref": "a\x00b"}, "image_ref")])
def test_a_malformed_read_is_refused_naming_the_field(changes, reason):
    from backend.enforcement.messages import BadRead

    with pytest.raises(BadRead, match=reason):
        parse(*message("闽DD70001", utcnow(), **changes), utcnow())
    with pytest.raises(BadRead, match="plate"):
        parse(*message("闽X", utcnow()), utcnow())
    with pytest.raises(BadRead, match="camera"):  # another camera's topic
        parse("cameras/OTHER/plates", message("闽DD70001", utcnow())[1], utcnow())


def test_a_read_from_the_future_beyond_five_minutes_is_refused():
    from backend.enforcement.messages import BadRead

    with pytest.raises(BadRead, match="future"):
        parse(*message("闽DD70002", utcnow() + dt.timedelta(minutes=6)), utcnow())
    assert parse(*message("闽d·d70002", utcnow() + dt.timedelta(minutes=4)), utcnow()).plate \
        == "闽DD70002"


def test_history_that_becomes_visible_after_a_later_row_is_still_applied(store):
    """On PostgreSQL a transaction that took a lower id can commit after one with a higher id;
    the index looks for the skipped id again instead of passing it by."""
    import sqlalchemy as sa

    from backend.certificates.models import StatusChange
    from backend.db import db

    late = transport_certificate("闽DD80001", "lujiang-go")
    transport_certificate("闽DD80002", "lujiang-go")
    classifier = Classifier(store, WINDOW)
    classifier.catch_up(utcnow(), force_feed=True)
    highest = db.session.scalar(sa.select(sa.func.max(StatusChange.id)))
    # a later transaction's row (id highest + 2) is visible first ...
    other = transport_certificate("闽DD80003", "lujiang-go")
    db.session.execute(sa.update(StatusChange).where(StatusChange.certificate_id == other.id)
                       .values(id=highest + 2))
    assert classified(classifier, "闽DD80003", utcnow()).result == Result.LICENSED
    # ... then the revocation that had taken id highest + 1 commits
    revoked_at = utcnow() - dt.timedelta(minutes=1)
    db.session.add(StatusChange(id=highest + 1, certificate=late, status=Status.REVOKED,
                                at=revoked_at, actor="test", reason="late commit"))
    db.session.flush()
    assert classified(classifier, "闽DD80001", utcnow()).result == Result.ORDINARY
    assert classified(classifier, "闽DD80001", revoked_at - dt.timedelta(minutes=1)).result \
        == Result.LICENSED
