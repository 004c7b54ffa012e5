"""Materials: PDF, JPEG or PNG judged by their content, size-limited, stored outside the
database with their hash (mode 0600), read only by their company and staff."""

import hashlib
import stat
from pathlib import Path

from backend.materials.models import Material
from backend.staff.models import Role
from tests.platforms.companies import PDF, PNG, company, upload


def test_a_pdf_is_stored_outside_the_database_with_its_hash_and_mode_0600(client, app, database):
    the = company(client)
    response = upload(client, the.headers, PDF, "服务能力.pdf")
    assert response.status_code == 201
    assert response.json["content_type"] == "application/pdf"
    assert response.json["sha256"] == hashlib.sha256(PDF).hexdigest()
    material = database.session.get(Material, response.json["id"])
    stored = Path(app.config["MATERIALS_DIR"]) / material.stored_name
    assert stored.read_bytes() == PDF
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    download = client.get(f"/api/v1/materials/{material.id}", headers=the.headers)
    assert download.status_code == 200 and download.data == PDF


def test_the_type_comes_from_the_content_not_the_name(client):
    the = company(client)
    renamed = upload(client, the.headers, b"MZ\x90\x00 an executable, named like a PDF", "a.pdf")
    assert renamed.status_code == 415
    assert "PDF、JPEG 或 PNG" in renamed.json["message"]
    png = upload(client, the.headers, PNG, "scan.pdf")
    assert png.status_code == 201 and png.json["content_type"] == "image/png"


def test_a_file_over_the_limit_is_refused_and_nothing_is_kept(client, app, database):
    the = company(client)
    limit = app.config["MATERIAL_MAX_BYTES"]
    before = database.session.query(Material).count()
    response = upload(client, the.headers, PDF + b"0" * limit, "big.pdf")
    assert response.status_code == 413
    assert "MB" in response.json["message"]
    assert database.session.query(Material).count() == before


def test_a_file_over_the_limit_but_under_the_envelope_is_refused_by_its_own_size(client, app):
    the = company(client)
    app.config["MATERIAL_MAX_BYTES"], saved = 1000, app.config["MATERIAL_MAX_BYTES"]
    try:
        response = upload(client, the.headers, PDF + b"0" * 1000, "a.pdf")
    finally:
        app.config["MATERIAL_MAX_BYTES"] = saved
    assert response.status_code == 413


def test_a_file_larger_than_the_json_limit_is_still_accepted_up_to_the_file_limit(client, app):
    the = company(client)
    content = PDF + b"0" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    assert upload(client, the.headers, content, "a.pdf").status_code == 201


def test_another_company_s_material_is_404(client):
    owner, other = company(client), company(client)
    material_id = upload(client, owner.headers).json["id"]
    assert client.get(f"/api/v1/materials/{material_id}", headers=other.headers).status_code == 404


def test_staff_read_a_material_and_others_do_not(client, sign_in):
    the = company(client)
    material_id = upload(client, the.headers).json["id"]
    sign_in(Role.MAILROOM)
    assert client.get(f"/console/materials/{material_id}").status_code == 403
    sign_in(Role.CLERK)
    response = client.get(f"/console/materials/{material_id}")
    assert response.status_code == 200 and response.data == PDF


def test_a_file_name_with_control_characters_is_kept_scrubbed_not_a_500(client):
    from tests.platforms.companies import PDF, company, upload

    the = company(client)
    response = upload(client, the.headers, PDF, "营业\x00执照\x1b.pdf")
    assert response.status_code == 201, response.get_json()
    assert response.json["filename"] == "营业_执照_.pdf"
