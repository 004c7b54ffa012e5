import datetime as dt

import pytest
import sqlalchemy as sa

from backend.certificates.models import Certificate, Status
from backend.db import db
from backend.drivers.operations import record_exam
from backend.licensing.models import Application
from backend.licensing.operations import by_number
from backend.licensing.operations import today as licensing_today
from backend.mailing.models import MailingItem
from tests.drivers.helpers import ADDRESS, apply, failing, make_driver
from tests.factories import near_expiry


def issue_certificate(client, headers):
    number = apply(client, headers).json["number"]
    application = by_number(number)
    record_exam(application, "national", 90, True, actor="test")
    record_exam(application, "regional", 85, True, actor="test")
    db.session.commit()  # (as the examiner's request does: a refused request later keeps it)
    return application


def test_eligible_driver_waits_for_the_exam_with_every_check_passed(client):
    _, headers = make_driver(client)
    response = apply(client, headers)
    assert response.status_code == 201
    body = response.json
    assert body["status"] == "awaiting_exam"
    assert body["number"].startswith("XM-WYC-")
    assert len(body["checks"]) == 9 and failing(response) == set()
    assert [h["to_state"] for h in body["history"]] == ["submitted", "checking", "awaiting_exam"]


CASES = {
    "drv.identity": {"identity": [{"name": "别的名字", "sex": "1", "birth_date": "1990-01-01",
                                   "hukou_region": "350203", "card_valid_until": "长期",
                                   "card_reported_lost": False}]},
    "drv.licence_valid": {"driving_licence": [{"licence_class": "C1", "first_issued_on": "2015-05-01",
                                               "status": "revoked", "valid_until": "2031-05-01",
                                               "cycles": []}]},
    "drv.experience": {"driving_licence": [{"licence_class": "C1", "first_issued_on": "2025-01-01",
                                            "status": "valid", "valid_until": "2031-05-01",
                                            "cycles": []}]},
    "drv.points": {"driving_licence": [{"licence_class": "C1", "first_issued_on": "2015-05-01",
                                        "status": "valid", "valid_until": "2031-05-01",
                                        "cycles": [{"start": "2025-05-01", "end": "2026-04-30",
                                                    "points": 12}]}]},
    "drv.criminal": {"police_records": [{"category": "dangerous_driving", "recorded_on": "2022-02-02"}]},
    "drv.drugs_dui": {"police_records": [{"category": "drink_driving", "recorded_on": "2022-02-02"}]},
    "drv.residence": {"identity": [{"name": "陈测试", "sex": "1", "birth_date": "1990-01-01",
                                    "hukou_region": "350500", "card_valid_until": "长期",
                                    "card_reported_lost": False}]},
}


@pytest.mark.parametrize("rule", sorted(CASES))
def test_each_failing_rule_rejects_with_exactly_that_code(client, rule):
    _, headers = make_driver(client, **CASES[rule])
    response = apply(client, headers)
    assert response.json["status"] == "rejected"
    assert failing(response) == {rule}
    reason = next(c for c in response.json["checks"] if c["rule"] == rule)
    assert reason["reason"] and reason["reason_en"]


def test_too_old_fails_age_only(client):
    _, headers = make_driver(client, birth=dt.date(1950, 1, 1))
    assert failing(apply(client, headers)) == {"drv.age"}


def test_every_failed_rule_is_listed(client):
    _, headers = make_driver(client, **CASES["drv.criminal"], **CASES["drv.points"])
    assert failing(apply(client, headers)) == {"drv.criminal", "drv.points"}


def test_second_open_application_is_409_with_the_first_number(client):
    _, headers = make_driver(client)
    first = apply(client, headers).json["number"]
    response = apply(client, headers)
    assert response.status_code == 409
    assert response.json["application_number"] == first


def test_rejected_application_can_be_followed_by_a_new_one(client):
    _, headers = make_driver(client, **CASES["drv.criminal"])
    assert apply(client, headers).json["status"] == "rejected"
    assert apply(client, headers).status_code == 201


def test_same_idempotency_key_returns_the_same_application(client, database):
    _, headers = make_driver(client)
    first = apply(client, headers, key="abc-1")
    again = apply(client, headers, key="abc-1")
    assert again.status_code == 201 and again.json["number"] == first.json["number"]
    assert again.headers["Idempotent-Replayed"] == "true"
    total = database.session.scalar(sa.select(sa.func.count()).select_from(Application)
                                    .where(Application.idempotency_key == "abc-1"))
    assert total == 1


def test_reused_idempotency_key_with_another_body_is_refused(client):
    _, headers = make_driver(client)
    apply(client, headers, key="abc-2")
    response = apply(client, headers, key="abc-2", phone="13900000000")
    assert response.status_code == 422


def test_unknown_matter_and_bad_address_are_422(client):
    _, headers = make_driver(client)
    assert apply(client, headers, matter="flying-licence").status_code == 404
    response = apply(client, headers, mailing_address={**ADDRESS, "region_code": "35"})
    assert response.status_code == 422
    assert "region_code" in response.json["errors"]["json"]["mailing_address"]


def test_list_is_mine_newest_first_and_paginated(client):
    _, headers = make_driver(client, **CASES["drv.criminal"])
    numbers = [apply(client, headers).json["number"] for _ in range(3)]
    page = client.get("/api/v1/applications?per_page=2", headers=headers).json
    assert page["total"] == 3
    assert [a["number"] for a in page["items"]] == numbers[::-1][:2]
    _, other = make_driver(client, name="林别人")
    assert client.get("/api/v1/applications", headers=other).json["total"] == 0


def test_another_persons_application_is_404(client):
    _, headers = make_driver(client)
    number = apply(client, headers).json["number"]
    _, other = make_driver(client, name="林别人")
    assert client.get(f"/api/v1/applications/{number}", headers=other).status_code == 404
    assert client.get(f"/api/v1/applications/{number}", headers=headers).status_code == 200


def test_both_exam_subjects_passed_issues_a_mailed_certificate(client, database):
    id_number, headers = make_driver(client)
    application = issue_certificate(client, headers)
    body = client.get(f"/api/v1/applications/{application.number}", headers=headers).json
    assert body["status"] == "issued"
    certificate = database.session.get(Certificate, body["certificate_id"])
    assert certificate.number == id_number and certificate.status == Status.VALID
    assert certificate.valid_until == certificate.valid_from.replace(
        year=certificate.valid_from.year + 6) - dt.timedelta(days=1)
    assert body["mailing"]["status"] == "queued"
    item = database.session.scalar(sa.select(MailingItem).where(MailingItem.application_id == application.id))
    assert item.address == ADDRESS


def test_a_failed_subject_keeps_waiting_and_the_limit_rejects(client, app):
    _, headers = make_driver(client)
    application = by_number(apply(client, headers).json["number"])
    record_exam(application, "national", 50, False, actor="test")
    assert application.state == "awaiting_exam"
    for _ in range(app.config["EXAM_MAX_ATTEMPTS"] - 1):
        record_exam(application, "national", 50, False, actor="test")
    assert application.state == "rejected"


def test_exam_import_file_issues_and_rejects_bad_files_whole(cli, client, tmp_path):
    _, headers = make_driver(client)
    number = apply(client, headers).json["number"]
    bad = tmp_path / "bad.csv"
    bad.write_text(f"application_number,subject,score,passed\n{number},national,90,true\n"
                   f"{number},maths,90,true\n")
    result = cli.invoke(args=["exams", "import", str(bad)])
    assert result.exit_code == 2 and "line 3" in result.output and "subject" in result.output
    assert by_number(number).state == "awaiting_exam"
    good = tmp_path / "good.csv"
    good.write_text(f"application_number,subject,score,passed\n{number},national,90,true\n"
                    f"{number},regional,88,true\n")
    result = cli.invoke(args=["exams", "import", str(good)])
    assert result.exit_code == 0, result.output
    assert "1 certificates issued" in result.output
    assert by_number(number).state == "issued"


def test_issue_again_while_holding_a_certificate_is_409(client):
    _, headers = make_driver(client)
    application = issue_certificate(client, headers)
    response = apply(client, headers)
    assert response.status_code == 409
    assert response.json["application_number"] == application.number


@pytest.mark.parametrize("matter", ["driver-cert-renew", "driver-cert-reissue", "driver-cert-cancel"])
def test_changes_need_a_current_certificate(client, matter):
    _, headers = make_driver(client)
    assert apply(client, headers, matter=matter).status_code == 409


def test_renew_issues_a_new_version_and_replaces_the_old(client, database):
    _, headers = make_driver(client)
    old = near_expiry(database.session.get(Certificate, issue_certificate(client, headers).certificate_id))
    response = apply(client, headers, matter="driver-cert-renew")
    assert response.status_code == 201 and response.json["status"] == "issued"
    new = database.session.get(Certificate, response.json["certificate_id"])
    assert (new.version, new.previous_id, old.status) == (2, old.id, Status.REPLACED)
    assert response.json["mailing"]["status"] == "queued"


def test_reissue_keeps_the_dates_and_the_last_address(client, database):
    _, headers = make_driver(client)
    old = database.session.get(Certificate, issue_certificate(client, headers).certificate_id)
    response = apply(client, headers, matter="driver-cert-reissue", reason="lost")
    new = database.session.get(Certificate, response.json["certificate_id"])
    assert (new.valid_from, new.valid_until) == (old.valid_from, old.valid_until)
    item = database.session.scalar(sa.select(MailingItem).where(MailingItem.certificate_id == new.id))
    assert item.address == ADDRESS


def test_failed_renewal_leaves_the_old_certificate_untouched(client, database):
    number, headers = make_driver(client)
    old = near_expiry(database.session.get(Certificate, issue_certificate(client, headers).certificate_id))
    import json

    from tests.drivers.helpers import import_file
    import_file("police_records", [json.dumps({"id_number": number, "category": "drug_use",
                                               "recorded_on": "2026-01-01"})])
    response = apply(client, headers, matter="driver-cert-renew")
    assert response.json["status"] == "rejected" and failing(response) == {"drv.drugs_dui"}
    assert old.status == Status.VALID


def test_renewal_before_its_window_is_refused_naming_the_day_it_opens(client, database):
    _, headers = make_driver(client)
    certificate = database.session.get(Certificate, issue_certificate(client, headers).certificate_id)
    opens = certificate.valid_until - dt.timedelta(days=89)
    response = apply(client, headers, matter="driver-cert-renew")
    assert response.status_code == 409
    assert f"{opens} 起可以申请" in response.json["message"] and "补发" in response.json["message"]
    assert certificate.number not in response.json["message"]  # (the holder's ID number)
    assert response.json["opens_on"] == opens.isoformat()
    assert certificate.status == Status.VALID and certificate.version == 1
    near_expiry(certificate, days_left=90)
    assert apply(client, headers, matter="driver-cert-renew").status_code == 409
    near_expiry(certificate, days_left=89)
    response = apply(client, headers, matter="driver-cert-renew")
    assert response.json["status"] == "issued", response.json


def test_renewal_window_is_configurable(client, database, app, monkeypatch):
    _, headers = make_driver(client)
    near_expiry(database.session.get(Certificate, issue_certificate(client, headers).certificate_id),
                days_left=150)
    assert apply(client, headers, matter="driver-cert-renew").status_code == 409
    monkeypatch.setitem(app.config, "CERT_RENEWAL_WINDOW_DAYS", 180)
    assert apply(client, headers, matter="driver-cert-renew").json["status"] == "issued"


@pytest.mark.parametrize("reason", [None, "", "不想要了", "stolen"])
def test_a_reissue_needs_lost_or_damaged_as_its_reason(client, database, reason):
    _, headers = make_driver(client)
    certificate = database.session.get(Certificate, issue_certificate(client, headers).certificate_id)
    body = {} if reason is None else {"reason": reason}
    response = apply(client, headers, matter="driver-cert-reissue", **body)
    assert response.status_code == 422
    assert "遗失" in response.json["message"] and "reason" in response.json["errors"]["json"]
    assert certificate.status == Status.VALID


def test_reissues_are_limited_and_the_refusal_names_when_the_next_may_be(client, database, app,
                                                                         monkeypatch):
    monkeypatch.setitem(app.config, "CERT_REISSUE_MAX", 2)
    _, headers = make_driver(client)
    issue_certificate(client, headers)
    first = apply(client, headers, matter="driver-cert-reissue", reason="lost")
    second = apply(client, headers, matter="driver-cert-reissue", reason="损毁")
    assert (first.json["status"], second.json["status"]) == ("issued", "issued")
    assert by_number(second.json["number"]).inputs["reason"] == "damaged"
    third = apply(client, headers, matter="driver-cert-reissue", reason="lost")
    assert third.status_code == 409
    opens = licensing_today() + dt.timedelta(days=366)
    assert "上限 2 次" in third.json["message"] and f"{opens} 起" in third.json["message"]
    assert third.json["opens_on"] == opens.isoformat()


def test_cancel_is_instant(client, database):
    _, headers = make_driver(client)
    certificate_id = issue_certificate(client, headers).certificate_id
    response = apply(client, headers, matter="driver-cert-cancel")
    assert response.json["status"] == "approved"
    assert database.session.get(Certificate, certificate_id).status == Status.CANCELLED
    assert apply(client, headers, matter="driver-cert-renew").status_code == 409


@pytest.mark.parametrize(("region", "words"), [("830000", "港澳台居民"),
                                               ("911840", "外国人永久居留身份证")])
def test_a_taiwan_resident_or_foreigner_signs_in_and_gets_a_clear_rule_reason(
        client, region, words):
    identity = [{"name": "林台胞", "sex": "1", "birth_date": "1990-01-01",
                 "hukou_region": region if region.endswith("0000") else "350203",
                 "card_valid_until": "长期", "card_reported_lost": False}]
    _, headers = make_driver(client, name="林台胞", region=region, identity=identity)
    response = apply(client, headers)
    assert response.status_code == 201, response.json
    assert response.json["status"] == "rejected"
    assert failing(response) == {"drv.residence"}
    reason = next(c for c in response.json["checks"] if c["rule"] == "drv.residence")
    assert words in reason["reason"] and reason["reason_en"]


def test_a_taiwan_resident_with_a_xiamen_permit_is_eligible(client):
    identity = [{"name": "林台胞", "sex": "1", "birth_date": "1990-01-01",
                 "hukou_region": "830000", "card_valid_until": "长期",
                 "card_reported_lost": False}]
    permit = [{"city_code": "350203", "valid_until": "2030-01-01"}]
    _, headers = make_driver(client, name="林台胞", region="830000", identity=identity,
                             residence_permit=permit)
    response = apply(client, headers)
    assert failing(response) == set(), response.json


def test_a_mailing_region_code_that_does_not_exist_is_refused_and_nothing_kept(client, database):
    from backend.licensing.models import Application

    _, headers = make_driver(client)
    response = apply(client, headers, mailing_address={**ADDRESS, "region_code": "999999"})
    assert response.status_code == 422
    assert "GB/T 2260" in response.json["errors"]["json"]["mailing_address"]["region_code"][0]
    assert database.session.query(Application).count() == 0


def test_an_exam_import_row_whose_result_contradicts_its_score_is_refused_by_line(cli, client,
                                                                                  tmp_path):
    _, headers = make_driver(client)
    number = apply(client, headers).json["number"]
    sheet = tmp_path / "results.csv"
    sheet.write_text(f"application_number,subject,score,passed\n{number},national,90,true\n"
                     f"{number},regional,30,true\n")
    result = cli.invoke(args=["exams", "import", str(sheet)])
    assert result.exit_code == 2 and "line 3" in result.output and "pass mark of 80" in result.output
    assert by_number(number).state == "awaiting_exam"
    from backend.db import db
    from backend.drivers.models import ExamAttempt

    assert db.session.query(ExamAttempt).count() == 0  # (the whole file, line 2 included)


def test_the_demo_holder_renews_and_reissues_as_the_readme_says(client, database):
    from backend.demo import DEMO_DRIVERS, load_demo_data
    from tests.factories import citizen_token

    load_demo_data()
    database.session.commit()
    name, number = DEMO_DRIVERS[1][:2]
    _, headers = citizen_token(client, number, name)
    assert apply(client, headers, matter="driver-cert-reissue", reason="damaged").json["status"] \
        == "issued"
    assert apply(client, headers, matter="driver-cert-renew").json["status"] == "issued"
