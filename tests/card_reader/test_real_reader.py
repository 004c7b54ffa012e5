"""A real reader with a real card on it (opt in: ``pytest --hardware``): the same decoding as
the virtual card, on the kiosk's actual hardware."""

import datetime as dt

import pytest

pytestmark = pytest.mark.hardware


def test_a_real_card_on_a_real_reader_decodes_completely():
    from card_reader import pcsc

    real = [name for name in pcsc.list_readers() if "Virtual PCD" not in name]
    assert real, "no real reader is connected"
    record = pcsc.read_card(real[0], wait=10).to_json_dict(today=dt.date.today())
    assert record["card_type"] in {"resident", "hmt_residence", "foreign_permanent_2017",
                                   "foreign_permanent_2023"}
    assert record["name"] and record["id_number"] and record["chip_serial"]
