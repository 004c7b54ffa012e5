"""The review queue and the clerk's decisions on an application a department could not verify."""

import sqlalchemy as sa

from backend.audit.models import AuditEntry
from backend.certificates.models import Certificate, Status
from backend.common.masking import mask_id_number
from backend.licensing.models import State
from backend.staff import console
from backend.staff.models import Role
from tests.factories import citizen_token, near_expiry
from tests.harness import post
from tests.staff.conftest import application, apply, eligible_driver, state_of


def test_queue_shows_the_application_with_masked_applicant_and_open_checks(client, sign_in, in_review):
    driver, number = in_review
    sign_in(Role.CLERK)
    page = client.get("/console/review").get_data(as_text=True)
    assert number in page and "网约车驾驶员从业资格证核发" in page
    assert mask_id_number(driver) in page and driver not in page
    assert "林*远" in page and "林志远" not in page
    assert "公安机关（违法犯罪记录）" in page and "police_records" not in page and "犯罪记录" in page
    assert "10 个工作日" in page and "i厦门 App" in page


def test_queue_lists_the_longest_waiting_first_a_page_at_a_time(client, sign_in, police,
                                                               monkeypatch):
    police.go_down()
    first, second = (apply(client, eligible_driver()) for _ in range(2))
    monkeypatch.setattr(console, "PER_PAGE", 1)
    sign_in(Role.CLERK)
    page_one = client.get("/console/review").get_data(as_text=True)
    page_two = client.get("/console/review?page=2").get_data(as_text=True)
    assert first in page_one and second not in page_one and "下一页" in page_one
    assert second in page_two and first not in page_two


def test_detail_page_explains_every_check_without_the_full_id_number(client, sign_in, in_review):
    driver, number = in_review
    sign_in(Role.CLERK)
    page = client.get(f"/console/applications/{number}").get_data(as_text=True)
    assert "drv.criminal" in page and "drv.experience" in page and "2010-05-01" in page
    assert "第十四条" in page  # legal basis
    assert "重新核验" in page and "批准" in page and "驳回" in page
    assert driver not in page


def test_approval_without_a_written_reason_is_refused(client, sign_in, in_review, database):
    _, number = in_review
    sign_in(Role.CLERK)
    response = post(client, f"/console/applications/{number}/decision",
                    {"decision": "approve", "reason": "   "})
    assert response.status_code == 302
    assert "请填写决定理由" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert state_of(database, number) == State.AWAITING_REVIEW


def test_a_post_naming_no_decision_is_not_read_as_a_rejection(client, sign_in, in_review, database):
    _, number = in_review
    sign_in(Role.CLERK)
    post(client, f"/console/applications/{number}/decision", {"reason": "已核实"})
    assert state_of(database, number) == State.AWAITING_REVIEW


def test_approval_with_a_reason_sends_the_driver_to_the_exams(client, sign_in, in_review, database):
    _, number = in_review
    clerk = sign_in(Role.CLERK)
    response = post(client, f"/console/applications/{number}/decision",
                    {"decision": "approve", "reason": "已电话核实公安部门无相关记录"})
    assert response.status_code == 302
    assert state_of(database, number) == State.AWAITING_EXAM
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已批准" in page and "已电话核实公安部门无相关记录" in page
    approval = database.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.action == "application.approved_by_clerk", AuditEntry.object_id == number))
    assert approval.actor == f"staff:{clerk}"
    step = application(database, number).events[-1]
    assert step.to_state == State.AWAITING_EXAM and "已电话核实公安部门无相关记录" in step.reason


def test_rejection_closes_the_application_and_the_applicant_sees_the_reason(client, sign_in,
                                                                            in_review, database):
    driver, number = in_review
    sign_in(Role.CLERK)
    reason = "公安部门书面答复存在饮酒后驾驶记录，依法不予许可"
    post(client, f"/console/applications/{number}/decision", {"decision": "reject", "reason": reason})
    assert state_of(database, number) == State.REJECTED
    assert reason in client.get(f"/console/applications/{number}").get_data(as_text=True)
    _, headers = citizen_token(client, driver, "林志远")
    history = client.get(f"/api/v1/applications/{number}", headers=headers).json["history"]
    assert history[-1]["to_state"] == "rejected" and history[-1]["reason"] == reason


def test_a_second_decision_is_refused_and_changes_nothing(client, sign_in, in_review, database):
    _, number = in_review
    sign_in(Role.CLERK)
    post(client, f"/console/applications/{number}/decision", {"decision": "reject", "reason": "记录属实"})
    response = post(client, f"/console/applications/{number}/decision",
                    {"decision": "approve", "reason": "改为批准"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "不能执行此操作" in page
    assert state_of(database, number) == State.REJECTED


def test_recheck_while_the_department_is_still_down_keeps_it_in_review(client, sign_in, in_review,
                                                                       database):
    _, number = in_review
    sign_in(Role.CLERK)
    response = post(client, f"/console/applications/{number}/recheck")
    assert response.status_code == 302
    assert state_of(database, number) == State.AWAITING_REVIEW
    assert "run 2" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_recheck_after_the_department_is_back_decides_as_usual(client, sign_in, in_review,
                                                               police, database):
    _, number = in_review
    sign_in(Role.CLERK)
    police.come_back()
    post(client, f"/console/applications/{number}/recheck")
    assert state_of(database, number) == State.AWAITING_EXAM
    assert number not in client.get("/console/review").get_data(as_text=True)


def test_instant_matters_wait_in_the_same_queue_and_are_decided_on_the_spot(client, sign_in,
                                                                          police, database):
    driver = eligible_driver()
    first = apply(client, driver)  # every department answers: straight to the exams
    sign_in(Role.EXAMINER)
    for subject in ("national", "regional"):
        post(client, "/console/exams", {"application_number": first, "subject": subject,
                                        "score": "90", "passed": "yes"})
    assert state_of(database, first) == State.ISSUED
    near_expiry(application(database, first).certificate)  # (renewal opens near expiry)
    police.go_down()
    renewal = apply(client, driver, matter="driver-cert-renew")
    sign_in(Role.CLERK)
    queue = client.get("/console/review").get_data(as_text=True)
    assert renewal in queue and "网约车驾驶员从业资格证换发" in queue and "即办" in queue
    # The queue says what lands there: a clerk's on-the-spot matters always do.
    assert "由窗口当场决定的事项" in queue and "《网络预约出租汽车运输证》补发" in queue
    post(client, f"/console/applications/{renewal}/decision",
         {"decision": "approve", "reason": "已到公安窗口核实无记录"})
    renewed = application(database, renewal)
    assert renewed.state == State.ISSUED
    certificate = database.session.get(Certificate, renewed.certificate_id)
    assert certificate.version == 2 and certificate.status == Status.VALID
