"""Test companies: a registered company whose legal representative the identity registry
knows, signed in as a company, with its materials uploaded."""

from __future__ import annotations

import dataclasses
import itertools
import json

from stdnum.cn import uscc as uscc_code

from backend.verification.imports import import_file
from tests.factories import id_number

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17
ADDRESS = {"recipient": "林经办", "phone": "13800000000", "region_code": "350203",
           "detail": "思明区软件园二期望海路1号"}
ISSUE_MATERIALS = ("application_form", "online_capability", "data_access_commitment",
                   "service_locations", "management_rules")
_sequence = itertools.count(1)


def new_uscc() -> str:
    body = f"91350203MA{next(_sequence):07d}"
    return body + uscc_code.calc_check_digit(body)


@dataclasses.dataclass
class TestCompany:
    uscc: str
    name: str
    representative: str
    representative_id: str
    headers: dict


def register(uscc: str, name: str, representative: str, representative_id: str, **overrides):
    """The market-regulation register's record of the company, and the identity registry's of
    its legal representative."""
    record = {"uscc": uscc, "name": name, "legal_representative": representative,
              "legal_representative_id_number": representative_id, "legal_person": True,
              "status": "存续", "business_scope": "网络预约出租汽车经营服务；软件开发",
              "address": "厦门市思明区软件园二期望海路1号", **overrides}
    import_file("company_registry", [json.dumps(record, ensure_ascii=False)])
    person = {"id_number": representative_id, "name": representative, "sex": "1",
              "birth_date": "1980-01-01", "hukou_region": "350203", "card_valid_until": "长期",
              "card_reported_lost": False}
    import_file("identity", [json.dumps(person, ensure_ascii=False)])


def sign_in(client, uscc: str, name: str, acting: str | None = None) -> dict:
    response = client.post("/dev/idp/token", json={
        "uscc": uscc, "company_name": name, "id_number": acting or id_number(), "name": "林经办"})
    assert response.status_code == 200, response.json
    return {"Authorization": f"Bearer {response.json['access_token']}"}


def company(client, *, registered: bool = True, **overrides) -> TestCompany:
    """A company registered with market regulation (unless not), signed in as itself."""
    uscc = new_uscc()
    name = f"厦门测试{uscc[-6:]}出行科技有限公司"
    found = TestCompany(uscc, name, "王法人", id_number(), sign_in(client, uscc, name))
    if registered:
        register(uscc, name, found.representative, found.representative_id, **overrides)
    return found


def upload(client, headers, content: bytes = PDF, filename: str = "材料.pdf"):
    """POST a file as a browser would (multipart). The body is encoded here, in memory: the
    test client would spool a large one to a temporary file that nobody closes."""
    from io import BytesIO

    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    boundary, body = encode_multipart({"file": FileStorage(BytesIO(content), filename)})
    return client.post("/api/v1/materials", headers=headers, data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def upload_all(client, the: TestCompany, names=ISSUE_MATERIALS) -> dict[str, int]:
    ids = {}
    for name in names:
        response = upload(client, the.headers)
        assert response.status_code == 201, response.json
        ids[name] = response.json["id"]
    return ids


def apply(client, the: TestCompany, **body):
    payload = {"matter": "platform-licence-issue",
               "licence": {"legal_representative_id_number": the.representative_id,
                           "service_locations": ["厦门市思明区湖滨南路100号"]},
               "mailing_address": ADDRESS, **body}
    if "materials" not in payload:
        payload["materials"] = upload_all(client, the)
    return client.post("/api/v1/applications", json=payload, headers=the.headers)
