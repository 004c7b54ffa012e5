"""The console's kiosk page: administrators list, disable, enable and re-key kiosks."""

import re

import pytest
import sqlalchemy as sa

from backend.audit.models import AuditEntry
from backend.devices.models import Device
from backend.staff.models import Role
from backend.staff.operations import create_staff
from tests.harness import post

PASSWORD = "console-password-1"


@pytest.fixture
def signed_in(client, database):
    def sign_in(role: Role) -> None:
        create_staff(f"{role.value}-devices", role, PASSWORD, actor="test")
        database.session.commit()
        response = post(client, "/console/login",
                        {"username": f"{role.value}-devices", "password": PASSWORD})
        assert response.status_code == 302

    return sign_in


def test_admin_sees_every_kiosk_and_never_a_secret(client, kiosk, signed_in):
    signed_in(Role.ADMIN)
    page = client.get("/console/devices/").get_data(as_text=True)
    assert kiosk.device_id in page and "测试终端" in page and "测试大厅" in page
    assert kiosk.secret not in page


def test_clerks_may_not_manage_kiosks(client, kiosk, signed_in):
    signed_in(Role.CLERK)
    assert client.get("/console/devices/").status_code == 403
    assert post(client, f"/console/devices/{kiosk.device_id}/disable").status_code == 403


def test_disable_refuses_the_kiosk_at_once_and_is_audited(client, kiosk, signed_in, database):
    signed_in(Role.ADMIN)
    response = post(client, f"/console/devices/{kiosk.device_id}/disable")
    assert response.status_code == 302
    assert kiosk.call("GET", "/kiosk/v1/device").status_code == 401
    entry = database.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "device.disabled"))
    assert entry.actor == "staff:admin-devices" and entry.object_id == kiosk.device_id
    post(client, f"/console/devices/{kiosk.device_id}/enable")
    assert kiosk.call("GET", "/kiosk/v1/device").status_code == 200


def test_a_post_without_the_csrf_token_is_refused(client, kiosk, signed_in, database):
    signed_in(Role.ADMIN)
    response = client.post(f"/console/devices/{kiosk.device_id}/disable")
    assert response.status_code == 400
    database.session.expire_all()
    assert database.session.get(Device, kiosk.device_id).enabled


def test_rekey_shows_the_new_secret_once_and_the_old_stops(client, kiosk, signed_in):
    signed_in(Role.ADMIN)
    response = post(client, f"/console/devices/{kiosk.device_id}/rekey")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    secret = re.search(r'secret = "([^"]+)"', response.get_data(as_text=True)).group(1)
    assert kiosk.call("GET", "/kiosk/v1/device").status_code == 401
    assert kiosk.call("GET", "/kiosk/v1/device", secret=secret).status_code == 200
    assert secret not in client.get("/console/devices/").get_data(as_text=True)


def test_unknown_kiosk_is_404(client, signed_in):
    signed_in(Role.ADMIN)
    assert post(client, "/console/devices/kiosk-nothere00000/disable").status_code == 404
