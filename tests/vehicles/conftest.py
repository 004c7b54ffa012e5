import pytest


class Department:
    """A vehicle source that is down (nothing answers) or back (answering from its mirror)."""

    KEYS = ("SOURCE_URLS", "SOURCE_BUDGET_SECONDS", "SOURCE_TIMEOUT_SECONDS", "SOURCE_RETRIES")

    def __init__(self, app, source: str):
        self.app, self.source = app, source
        self.saved = {key: app.config[key] for key in self.KEYS}

    def go_down(self) -> None:
        # Nothing listens on the loopback discard port: every question is refused at once.
        self.app.config.update(SOURCE_URLS={self.source: "http://127.0.0.1:9"},
                               SOURCE_BUDGET_SECONDS=0.5, SOURCE_TIMEOUT_SECONDS=0.2,
                               SOURCE_RETRIES=0)
        self.app.extensions.pop("sources", None)

    def come_back(self) -> None:
        self.app.config.update(self.saved)
        self.app.extensions.pop("sources", None)


@pytest.fixture
def registry_down(app):
    department = Department(app, "vehicle_registry")
    department.go_down()
    yield department
    department.come_back()
