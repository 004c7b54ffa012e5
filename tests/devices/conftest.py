import pytest

from tests.devices.kiosks import SignedClient, register


@pytest.fixture
def kiosk(client, database) -> SignedClient:
    """A freshly registered, enabled kiosk calling through the test client. (Committed: each
    request commits or rolls back the session the test shares with it.)"""
    kiosk = SignedClient(client, *register())
    database.session.commit()
    return kiosk
