import pytest

from tests.harness import Department


@pytest.fixture
def registry_down(app):
    department = Department(app, "vehicle_registry")
    department.go_down()
    yield department
    department.come_back()
