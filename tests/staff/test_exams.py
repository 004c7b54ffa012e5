"""Exam results entered by an examiner: both subjects passed issues the driver certificate."""

import sqlalchemy as sa

from backend.certificates.models import Certificate, Kind, Status
from backend.drivers.models import ExamAttempt
from backend.licensing.models import State
from backend.staff.models import Role
from tests.harness import post
from tests.staff.conftest import application, apply, eligible_driver, state_of


def _result(client, number, subject, score, passed):
    return post(client, "/console/exams", {"application_number": number, "subject": subject,
                                           "score": str(score), "passed": passed})


def test_exam_page_lists_applications_awaiting_exams_with_the_import_hint(client, sign_in):
    driver = eligible_driver()
    number = apply(client, driver)
    sign_in(Role.EXAMINER)
    page = client.get("/console/exams").get_data(as_text=True)
    assert number in page and "林*远" in page and driver not in page
    assert "flask --app backend exams import FILE.csv" in page
    assert "application_number,subject,score,passed" in page


def test_passing_both_subjects_issues_the_certificate(client, sign_in, database):
    driver = eligible_driver()
    number = apply(client, driver)
    examiner = sign_in(Role.EXAMINER)
    assert _result(client, number, "national", 92, "yes").status_code == 302
    assert state_of(database, number) == State.AWAITING_EXAM
    response = _result(client, number, "regional", 88, "yes")
    assert "已发证" in client.get(response.headers["Location"]).get_data(as_text=True)
    issued = application(database, number)
    assert issued.state == State.ISSUED
    certificate = database.session.get(Certificate, issued.certificate_id)
    assert certificate.kind == Kind.DRIVER and certificate.status == Status.VALID
    assert certificate.holder.id_number == driver
    recorded_by = database.session.scalars(sa.select(ExamAttempt.recorded_by).where(
        ExamAttempt.application_id == issued.id)).all()
    assert recorded_by == [f"staff:{examiner}"] * 2
    assert number not in client.get("/console/exams").get_data(as_text=True)


def test_a_failed_attempt_is_shown_and_the_driver_keeps_waiting(client, sign_in, database):
    number = apply(client, eligible_driver())
    sign_in(Role.EXAMINER)
    _result(client, number, "national", 55, "no")
    assert state_of(database, number) == State.AWAITING_EXAM
    page = client.get("/console/exams").get_data(as_text=True)
    assert "未通过 Failed" in page and ">55<" in page
    assert "55" in client.get(f"/console/applications/{number}").get_data(as_text=True)


def test_a_score_out_of_range_is_refused_and_nothing_is_recorded(client, sign_in, database):
    number = apply(client, eligible_driver())
    sign_in(Role.EXAMINER)
    response = _result(client, number, "national", 101, "yes")
    assert "成绩应在 0 到 100 之间" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert database.session.scalar(sa.select(sa.func.count()).select_from(ExamAttempt)) == 0


def test_a_result_for_an_application_not_awaiting_exams_is_refused(client, sign_in, in_review,
                                                                   database):
    _, number = in_review
    sign_in(Role.EXAMINER)
    response = _result(client, number, "national", 90, "yes")
    assert "不能执行此操作" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert state_of(database, number) == State.AWAITING_REVIEW
    assert database.session.scalar(sa.select(sa.func.count()).select_from(ExamAttempt)) == 0


def test_a_result_for_an_unknown_number_is_refused(client, sign_in):
    sign_in(Role.EXAMINER)
    response = _result(client, "XM-WYC-20000101-999999", "national", 90, "yes")
    assert "未找到办件" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_score_below_the_pass_mark_cannot_be_recorded_as_passed(client, sign_in, database):
    number = apply(client, eligible_driver())
    sign_in(Role.EXAMINER)
    response = _result(client, number, "national", 30, "yes")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "成绩 30 分低于及格线 80 分，应记为未通过" in page
    response = _result(client, number, "regional", 85, "no")
    assert "应记为通过" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert database.session.scalar(sa.select(sa.func.count()).select_from(ExamAttempt)) == 0


def test_nothing_more_is_recorded_for_a_subject_already_passed(client, sign_in, database):
    number = apply(client, eligible_driver())
    sign_in(Role.EXAMINER)
    _result(client, number, "national", 90, "yes")
    response = _result(client, number, "national", 60, "no")
    assert "全国公共科目已考试通过" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert database.session.scalar(sa.select(sa.func.count()).select_from(ExamAttempt)) == 1
    assert state_of(database, number) == State.AWAITING_EXAM
