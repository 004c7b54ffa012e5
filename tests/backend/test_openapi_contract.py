"""The API keeps to its own OpenAPI document, checked by schemathesis against every operation
of ``/api/openapi.json``: no 5xx, every status code documented, every body, content type and
header as documented, 405 with ``Allow`` for an undocumented method.

Per operation: schemathesis's coverage cases (deterministic: boundary values, each constraint
broken once, every undocumented method) and a bounded number of generated cases, valid and
invalid. The citizen's requests carry a token of the development identity provider; the
kiosk's are signed as a registered kiosk signs them; the path parameters of the valid cases
name a real application, certificate and kiosk session, so those reach past the 404.

An endpoint a later issue adds is checked the same way without a change here.
"""

from __future__ import annotations

import io

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode, checks

from backend.drivers.operations import record_exam
from backend.licensing.operations import by_number
from kiosk.client import signed_headers
from tests.devices.kiosks import SignedClient, card_for, register
from tests.drivers.helpers import apply, make_driver

EXAMPLES = 20  # generated cases per operation and mode, besides the coverage cases
# Answers any operation may give, documented once as the `default` response (the error
# shape): wrong method, request target or headers too large; and for a body, malformed or
# too large.
ANY_OPERATION = {405, 414, 431}
WITH_BODY = {400, 413}


def documented_status(_ctx, response, case) -> None:
    """Every status code is one the operation documents, or one any operation may give: the
    `default` response flask-smorest adds would otherwise let every code through."""
    if response.request.method == "OPTIONS":  # (Flask answers it for every route: 200, Allow)
        return
    definition = case.operation.definition.raw
    documented = {int(code) for code in definition["responses"] if code.isdigit()}
    allowed = documented | ANY_OPERATION | (WITH_BODY if "requestBody" in definition else set())
    assert response.status_code in allowed, (
        f"{response.status_code} is not documented for {case.operation.label} "
        f"(documented: {sorted(documented)})")


CHECKS = [checks.not_a_server_error, checks.status_code_conformance, documented_status,
          checks.content_type_conformance, checks.response_schema_conformance,
          checks.response_headers_conformance, checks.unsupported_method]
CONFIG = schemathesis.Config.from_dict({"generation": {"database": "none"}})
MODES = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]


class SigningKiosk:
    """WSGI middleware that signs every ``/kiosk/v1`` request as a registered kiosk does, so
    generated requests get past the signature check to the schemas and operations."""

    def __init__(self, app, device_id: str, secret: str):
        self.app, self.device_id, self.secret = app, device_id, secret

    def __call__(self, environ, start_response):
        if environ["PATH_INFO"].startswith("/kiosk/v1"):
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            environ["wsgi.input"] = io.BytesIO(body)
            target = environ["PATH_INFO"] + ("?" + environ["QUERY_STRING"]
                                             if environ.get("QUERY_STRING") else "")
            signed = signed_headers(self.device_id, self.secret, environ["REQUEST_METHOD"],
                                    target, body)
            for name, value in signed.items():
                environ["HTTP_" + name.upper().replace("-", "_")] = value
        return self.app(environ, start_response)


def _real_resources(client, database) -> tuple[dict, dict]:
    """A driver holding a certificate, signed in, with a kiosk visit open: their auth headers
    and the path parameters naming their application, certificate and session."""
    number, headers = make_driver(client, name="陈契约")
    application = by_number(apply(client, headers).json["number"])
    record_exam(application, "national", 90, True, actor="test")
    record_exam(application, "regional", 85, True, actor="test")
    kiosk = SignedClient(client, *register())
    database.session.commit()
    session = kiosk.start(card_for(number, name="陈契约")).json
    return headers, {"number": application.number, "certificate_id": application.certificate_id,
                     "session_id": session["id"], "_kiosk": (kiosk.device_id, kiosk.secret)}


def _failures_of(run) -> str | None:
    try:
        run()
    except Unsatisfiable:  # (nothing to break: an operation without parameters)
        return None
    except (AssertionError, BaseExceptionGroup) as error:
        return str(error)
    return None


def test_every_answer_keeps_to_the_openapi_document(app, client, database):
    headers, resources = _real_resources(client, database)
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app, config=CONFIG)
    schema.app = SigningKiosk(app, *resources.pop("_kiosk"))
    failures, operations = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        failures += _coverage_failures(schema, operation, headers)
        for mode in MODES:
            failure = _failures_of(_fuzz(operation, mode, headers, resources))
            if failure:
                failures.append(f"{operation.label} ({mode.value}): {failure}")
        failure = _failures_of(_documented_examples(operation, headers, resources))
        if failure:
            failures.append(f"{operation.label} (examples): {failure}")
    assert operations >= 15
    assert not failures, "\n\n".join(failures)


def _coverage_failures(schema, operation, headers) -> list[str]:
    cases = schema.iter_coverage_cases(
        operation, generation_modes=MODES,
        generation_config=schema.config.generation_for(operation=operation))
    failures = []
    for case in cases:
        failure = _failures_of(lambda case=case: case.call_and_validate(headers=headers,
                                                                        checks=CHECKS))
        if failure:
            failures.append(f"{operation.label} (coverage): {failure}")
    return failures


def _fuzz(operation, mode, headers, resources):
    known = _known(operation, resources) if mode == GenerationMode.POSITIVE else None
    return _run(operation.as_strategy(generation_mode=mode, path_parameters=known),
                headers, EXAMPLES)


def _documented_examples(operation, headers, resources):
    """The examples the document gives, filled in where it gives none: the real resources'
    valid requests (applying again while holding a certificate is the documented 409)."""
    strategies = operation.get_strategies_from_examples(
        fill_missing=True, path_parameters=_known(operation, resources))
    return _run(st.one_of(strategies), headers, 5) if strategies else lambda: None


def _known(operation, resources) -> dict | None:
    return {name: value for name, value in resources.items()
            if f"{{{name}}}" in operation.path} or None


def _run(strategy, headers, examples: int):
    @given(case=strategy)
    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def run(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    return run
