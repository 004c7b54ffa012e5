import sqlalchemy as sa

from backend.audit.models import AuditEntry


def _audit_count(database) -> int:
    return database.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))


def test_malformed_json_is_400_and_changes_nothing(client, database):
    before = _audit_count(database)
    response = client.post("/dev/idp/token", data='{"id_number": ', content_type="application/json")
    assert response.status_code == 400
    assert set(response.json) >= {"code", "status", "message", "message_en"}
    assert _audit_count(database) == before


def test_wrong_types_and_unknown_fields_list_every_bad_field(client):
    response = client.post("/dev/idp/token", json={"id_number": 1, "name": ["x"], "admin": True})
    assert response.status_code == 422
    assert set(response.json["errors"]["json"]) == {"id_number", "name", "admin"}


def test_oversized_body_is_413(client, app):
    body = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post("/dev/idp/token", data=body, content_type="application/json")
    assert response.status_code == 413
    assert response.json["code"] == 413


def test_unknown_path_and_wrong_method_use_the_shape(client):
    assert client.get("/api/v1/nothing-here").json["code"] == 404
    response = client.delete("/api/v1/matters")
    assert response.status_code == 405 and response.json["status"] == "Method Not Allowed"


def test_server_error_shows_no_trace(app_factory):
    app = app_factory()

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals at /srv/app.py line 12")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert response.json["code"] == 500
    assert "secret internals" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)


def test_openapi_documents_every_mobile_path_and_the_error_shape(client):
    spec = client.get("/api/openapi.json").json
    assert spec["openapi"].startswith("3.")
    assert {"/api/v1/matters", "/api/v1/me"} <= set(spec["paths"])
    error = spec["components"]["schemas"]["Error"]["properties"]
    assert {"code", "status", "message", "message_en", "errors"} <= set(error)
    assert "401" in spec["paths"]["/api/v1/me"]["get"]["responses"]
