"""Which changes are notices, to which platforms, what they say, and the console's list."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from backend.certificates import operations as certificates
from backend.certificates.models import Kind, Status, StatusChange
from backend.errors import ApiError
from backend.notices import operations
from backend.notices.models import PlatformNotice
from backend.staff.models import Role
from tests.notices.helpers import (
    driver_certificate,
    holder,
    platform,
    serves,
    transport_certificate,
)


def notices(database) -> list[PlatformNotice]:
    database.session.commit()  # (notices are written, numbered, when the change commits)
    return list(database.session.scalars(sa.select(PlatformNotice).order_by(PlatformNotice.id)))


def test_a_suspension_is_told_to_every_platform_whose_base_information_has_the_driver(database):
    first, second, stranger, former = platform(), platform(), platform(), platform()
    certificate = driver_certificate()
    serves(first, driver=certificate.number)
    serves(second, driver=certificate.number)
    serves(former, driver=certificate.number, deleted=True)
    serves(stranger, driver="350203199001010000")
    certificates.set_status(certificate, Status.SUSPENDED, actor="test", reason="预警 alert")

    sent = notices(database)
    assert sorted(n.platform_code for n in sent) == sorted([first.code, second.code])
    payload = sent[0].payload
    assert payload["event"] == "suspended" and payload["LicenseId"] == certificate.number
    assert payload["status"] == "suspended" and payload["reason"] == "预警 alert"
    assert "停止" in payload["consequence"] and payload["notice_id"] == sent[0].notice_id
    assert all(n.delivered_at is None and n.subject == f"driver:{certificate.number}"
               for n in sent)


def test_a_vehicle_notice_goes_to_its_permit_platform_and_those_reporting_the_plate(database):
    on_permit, reporting = platform(), platform()
    certificate = transport_certificate(on_permit.code)
    serves(reporting, plate=certificate.plate)
    certificates.set_status(certificate, Status.CANCELLED, actor="test", reason="注销")

    sent = notices(database)
    assert {n.platform_code for n in sent} == {on_permit.code, reporting.code}
    assert sent[0].payload["VehicleNo"] == certificate.plate
    assert sent[0].payload["LicenseId"] is None and sent[0].payload["event"] == "cancelled"


def test_each_change_of_status_is_its_event_and_a_renewal_is_none(database):
    served = platform()
    certificate = driver_certificate(platform_code=served.code)
    for status in (Status.SUSPENDED, Status.VALID, Status.REVOKED):
        certificates.set_status(certificate, status, actor="test", reason=status.value)
    renewed = driver_certificate(platform_code=served.code)
    certificates.issue(kind=renewed.kind, number=renewed.number, holder=renewed.holder,
                       actor="test", valid_from=dt.date(2026, 1, 1),
                       valid_until=dt.date(2032, 1, 1), previous=renewed)

    assert [n.event for n in notices(database)] == ["suspended", "reinstated", "revoked"]


def test_a_rolled_back_change_leaves_no_notice(database):
    served = platform()
    certificate = driver_certificate(platform_code=served.code)
    database.session.commit()
    certificates.set_status(certificate, Status.SUSPENDED, actor="test", reason="x")
    database.session.rollback()
    assert notices(database) == []


def test_expire_marks_certificates_past_their_end_expired_and_tells_the_platforms(database, cli):
    served = platform()
    ended = driver_certificate(platform_code=served.code, valid_until=dt.date(2026, 1, 31))
    current = driver_certificate(platform_code=served.code)
    database.session.commit()

    result = cli.invoke(args=["certificates", "expire"])
    assert result.exit_code == 0, result.output
    assert "1 certificate(s) marked expired" in result.output
    database.session.expire_all()
    assert (ended.status, current.status) == (Status.EXPIRED, Status.VALID)
    change = database.session.scalar(sa.select(StatusChange).where(
        StatusChange.certificate_id == ended.id, StatusChange.status == Status.EXPIRED))
    assert change.at == dt.datetime(2026, 1, 31, 16, 0, tzinfo=dt.UTC)  # 00:00 Beijing, 1 Feb
    assert [(n.certificate_id, n.event) for n in notices(database)] == [(ended.id, "expired")]


@pytest.mark.parametrize("url", ["http://platform.example.com/notices", "ftp://127.0.0.1/x",
                                 "https://user:pw@platform.example.com/", "https:///x",
                                 "https://platform.example.com:99999/"])
def test_a_callback_must_be_https(database, url):
    served = platform()
    with pytest.raises(ApiError) as refused:
        operations.set_callback(served.code, url, actor="test")
    assert refused.value.code == 422 and served.notice_url is None


def test_the_callback_command_sets_and_clears_the_address(database, cli):
    served = platform()
    database.session.commit()
    result = cli.invoke(args=["notices", "callback", served.code,
                              "https://api.platform.example.com/wyc/notices"])
    assert result.exit_code == 0, result.output
    database.session.expire_all()
    assert served.notice_url == "https://api.platform.example.com/wyc/notices"
    assert cli.invoke(args=["notices", "callback", served.code, "--clear"]).exit_code == 0
    database.session.expire_all()
    assert served.notice_url is None
    assert cli.invoke(args=["notices", "callback", "NOPE", "https://x.example/"]).exit_code == 2


def test_the_console_lists_undelivered_notices_with_the_id_number_masked(database, client,
                                                                         sign_in):
    served = platform()
    certificate = driver_certificate(holder(), platform_code=served.code)
    certificates.set_status(certificate, Status.SUSPENDED, actor="test", reason="x")
    notices(database)

    sign_in(Role.SUPERVISOR)
    page = client.get("/console/notices/").get_data(as_text=True)
    assert served.name in page and "暂停使用" in page and "未配置回调" in page
    assert certificate.number not in page and certificate.number[-4:] in page


def test_the_console_page_is_for_supervision_staff(database, client, sign_in):
    sign_in(Role.MAILROOM)
    assert client.get("/console/notices/").status_code == 403


def test_a_certificate_issued_and_changed_in_one_transaction_is_named_by_its_id(database):
    served = platform()
    person = holder()
    certificate = certificates.issue(kind=Kind.DRIVER, number=person.id_number, holder=person,
                                     actor="test", valid_from=dt.date(2025, 1, 1),
                                     valid_until=dt.date(2031, 1, 1), platform_code=served.code)
    certificates.set_status(certificate, Status.CANCELLED, actor="test", reason="x")
    assert [(n.certificate_id, n.event) for n in notices(database)] == [
        (certificate.id, "cancelled")]


def test_pending_lists_what_waits_without_the_id_number(database, cli):
    served = platform()
    certificate = driver_certificate(platform_code=served.code)
    certificates.set_status(certificate, Status.SUSPENDED, actor="test", reason="x")
    notices(database)
    result = cli.invoke(args=["notices", "pending"])
    assert result.exit_code == 0 and served.code in result.output
    assert "suspended" in result.output and "no callback: feed" in result.output
    assert certificate.number not in result.output


def test_a_notice_altered_after_it_was_written_shows(database, cli):
    served = platform()
    certificate = driver_certificate(platform_code=served.code)
    certificates.set_status(certificate, Status.SUSPENDED, actor="test", reason="x")
    certificates.set_status(certificate, Status.VALID, actor="test", reason="y")
    first, _ = notices(database)
    assert cli.invoke(args=["notices", "verify"]).exit_code == 0

    database.session.execute(sa.update(PlatformNotice).where(PlatformNotice.id == first.id)
                             .values(event="revoked"))
    database.session.commit()
    result = cli.invoke(args=["notices", "verify"])
    assert result.exit_code == 1
    assert f"notice {first.id}: content was altered" in result.output
