"""No ID or mobile number reaches a log unmasked: not in a message, an argument, an exception's
text or a traceback (a database error quotes its statement's parameters)."""

import logging

import sqlalchemy as sa

from backend.common.access_log import scrub
from backend.common.masking import mask_id_number
from backend.db import db
from tests.factories import id_number

PHONE, MASKED_PHONE = "13812345678", "138****5678"


def unmasked(records, *secrets) -> list:
    """The records that still hold a secret anywhere (message, arguments, exception, stack)."""
    return [r for r in records if any(s in str(vars(r)) for s in secrets)]


def test_a_database_error_is_logged_with_its_parameters_masked(app_factory, caplog):
    number = id_number()
    app = app_factory()

    @app.get("/boom")
    def boom():
        # NOT NULL columns left out: an IntegrityError quoting both parameters, on every database
        db.session.execute(sa.text("INSERT INTO mirror_identity (id_number, name) VALUES (:n, :p)"),
                           {"n": number, "p": PHONE})

    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/boom")

    assert response.status_code == 500
    assert "Traceback" in caplog.text and "IntegrityError" in caplog.text
    assert "[parameters:" in caplog.text  # (the statement's parameters were there to leak)
    assert number not in caplog.text and PHONE not in caplog.text
    assert mask_id_number(number) in caplog.text and MASKED_PHONE in caplog.text
    assert unmasked(caplog.records, number, PHONE) == []


def test_exception_text_and_traceback_are_masked(caplog):
    number = id_number()
    try:
        raise ValueError(f"no person {number}, phone {PHONE}")
    except ValueError:
        with caplog.at_level(logging.ERROR):
            logging.getLogger("backend.anything").exception("lookup failed for %s", number,
                                                            stack_info=True)
    assert "Traceback" in caplog.text and "Stack (most recent call last)" in caplog.text
    assert number not in caplog.text and PHONE not in caplog.text
    assert unmasked(caplog.records, number, PHONE) == []


def test_mobile_numbers_in_messages_are_masked(caplog):
    with caplog.at_level(logging.INFO):
        logging.getLogger("backend.anything").info("SMS to %s and +86 %s", PHONE, "13900001111")
    assert PHONE not in caplog.text and "13900001111" not in caplog.text
    assert MASKED_PHONE in caplog.text and "+86 139****1111" in caplog.text


def test_arguments_that_do_not_fit_the_message_are_masked_too(caplog):
    number = id_number()
    with caplog.at_level(logging.INFO):
        logging.getLogger("backend.anything").info("person %d", number)  # (a wrong placeholder)
    assert number not in caplog.text and mask_id_number(number) in caplog.text
    assert unmasked(caplog.records, number) == []


def test_other_numbers_stay_readable(caplog):
    with caplog.at_level(logging.INFO):
        logging.getLogger("backend.anything").info("took %s ms, application %s", "1234567",
                                                   "XM-WYC-20261130-000123")
    assert "took 1234567 ms, application XM-WYC-20261130-000123" in caplog.text


def test_access_log_masks_mobile_numbers():
    assert scrub(f"GET /api/v1/x?phone={PHONE} HTTP/1.1") == \
        f"GET /api/v1/x?phone={MASKED_PHONE} HTTP/1.1"
