import pytest

from tests.alerts.helpers import PoliceSystem


@pytest.fixture
def police(app, tmp_path):
    """The police system, its public key configured in the app for this test."""
    system = PoliceSystem()
    path = tmp_path / "police-public.pem"
    path.write_bytes(system.public_pem)
    saved = app.config.get("POLICE_ALERT_KEY_FILE")
    app.config["POLICE_ALERT_KEY_FILE"] = str(path)
    yield system
    app.config["POLICE_ALERT_KEY_FILE"] = saved
