"""The kiosk's configuration file and command line."""

import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.config import ConfigError, load

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "kiosk" / "kiosk.example.toml"


def test_the_example_configuration_loads_with_its_defaults():
    config = load(EXAMPLE)
    assert (config.server_url, config.reader, config.ui_port, config.idle_timeout) == (
        "http://127.0.0.1:5000", None, 8765, 60.0)
    assert config.secret not in repr(config)


def test_secret_may_come_from_its_own_file(tmp_path):
    (tmp_path / "secret").write_text("s3cret-from-file\n")
    (tmp_path / "kiosk.toml").write_text(
        '[server]\nurl = "https://wyc.example"\ndevice_id = "kiosk-1"\nsecret_file = "secret"\n')
    assert load(tmp_path / "kiosk.toml").secret == "s3cret-from-file"


@pytest.mark.parametrize(("text", "problem"), [
    ('[server]\nurl = "wyc.example"\ndevice_id = "k"\nsecret = "s"', "server.url"),
    ('[server]\nurl = "https://wyc.example"\nsecret = "s"', "server.device_id is required"),
    ('[server]\nurl = "https://wyc.example"\ndevice_id = "k"', "server.secret is required"),
    ('[server]\nurl = "https://wyc.example"\ndevice_id = "k"\nsecret = "s"\n[ui]\nidle_timeout = 0',
     "ui.idle_timeout"),
    ("[server\n", "not valid TOML"),
])
def test_a_bad_configuration_says_what_to_fix(tmp_path, text, problem):
    path = tmp_path / "kiosk.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=problem):
        load(path)


def test_the_program_refuses_to_start_without_a_configuration(tmp_path):
    result = subprocess.run([sys.executable, "-m", "kiosk", "--config", str(tmp_path / "none.toml")],
                            cwd=ROOT, capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 2 and "cannot read" in result.stderr
