"""The 256-byte text block: byte layout, card types, codes, dates, text."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable

import pytest

from card_reader.errors import FrameError, RecordError, UnknownCardTypeError
from card_reader.record import CardType, IdentityRecord
from card_reader.textblock import decode_text_block, encode_text_block, replace_field

RECORDS = [
    "resident_long_term",
    "resident_x_check_digit",
    "resident_expired",
    "resident_unknown_nation",
    "hmt_residence",
    "foreign_permanent_2017",
    "foreign_permanent_2023",
]

MakeRecord = Callable[..., IdentityRecord]


def utf16(text: str) -> bytes:
    return text.encode("utf-16-le")


@pytest.mark.parametrize("name", RECORDS)
def test_every_layout_decodes_what_was_encoded(make_record: MakeRecord, name: str) -> None:
    record = make_record(name)
    assert decode_text_block(encode_text_block(record)) == record


def test_resident_fields_sit_at_their_ga_t_490_offsets(make_record: MakeRecord) -> None:
    block = encode_text_block(make_record("resident_long_term"))
    assert block[0:4] == bytes.fromhex("205F094E")  # 张三
    assert block[30:32] == utf16("1")
    assert block[32:36] == utf16("01")
    assert block[36:52] == utf16("19900307")
    assert block[122:158] == utf16("350203199003071236")
    assert block[188:204] == utf16("20150101")
    assert block[204:220] == bytes.fromhex("7F951F67") + utf16(" " * 6)  # 长期
    assert block[248:250] == utf16(" ")


def test_hmt_permit_has_pass_number_issue_count_and_marker_j(make_record: MakeRecord) -> None:
    block = encode_text_block(make_record("hmt_residence"))
    assert block[220:238] == utf16("H12345678")
    assert block[238:242] == utf16("01")
    assert block[248:250] == utf16("J")


def test_foreign_2017_layout_puts_birth_date_after_validity(make_record: MakeRecord) -> None:
    block = encode_text_block(make_record("foreign_permanent_2017"))
    assert block[0:36] == utf16("SMITH JOHN WILLIAM")
    assert block[120:122] == utf16("1")
    assert block[122:152] == utf16("USA350800101012")
    assert block[152:158] == utf16("USA")
    assert block[220:236] == utf16("19800101")
    assert block[248:250] == utf16("I")


def test_foreign_2023_english_name_spills_into_offset_220(make_record: MakeRecord) -> None:
    block = encode_text_block(make_record("foreign_permanent_2023"))
    assert block[52:122] == utf16("FERNANDEZ DE LA CRUZ GONZALEZ MARIA")
    assert block[220:232] == utf16(" ELENA")
    assert block[242:248] == utf16("ESP")
    assert block[248:250] == utf16("Y")


def test_foreign_2023_english_name_keeps_the_space_at_the_seam(make_record: MakeRecord) -> None:
    record = decode_text_block(encode_text_block(make_record("foreign_permanent_2023")))
    assert record.name_en == "FERNANDEZ DE LA CRUZ GONZALEZ MARIA ELENA"


def test_nul_marker_and_nul_padding_decode_as_resident(make_record: MakeRecord) -> None:
    block = bytearray(encode_text_block(make_record("resident_long_term")))
    block[220:256] = bytes(36)
    block[4:30] = bytes(26)  # name padded with NULs instead of spaces
    record = decode_text_block(bytes(block))
    assert (record.card_type, record.name) == (CardType.RESIDENT, "张三")


@pytest.mark.parametrize("marker", ["Z", "j", "1"])
def test_unknown_type_marker_is_rejected_not_guessed(make_record: MakeRecord, marker: str) -> None:
    block = encode_text_block(make_record("resident_long_term"))
    block = block[:248] + utf16(marker) + block[250:]
    with pytest.raises(UnknownCardTypeError, match=repr(marker)):
        decode_text_block(block)


def test_long_term_validity_decodes_to_no_end_date(make_record: MakeRecord) -> None:
    record = decode_text_block(encode_text_block(make_record("resident_long_term")))
    assert record.valid_until is None
    assert record.long_term


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("birth_date", "19900230", "impossible date"),
        ("valid_from", "20151301", "impossible date"),
        ("valid_until", "2035010", "not a YYYYMMDD date"),
        ("valid_until", "永久", "not a YYYYMMDD date"),
        ("valid_from", "２０１５０１０１", "not a YYYYMMDD date"),  # full-width digits
    ],
)
def test_bad_dates_are_rejected_naming_the_field(
    make_record: MakeRecord, field: str, value: str, problem: str
) -> None:
    block = replace_field(encode_text_block(make_record("resident_long_term")), field, value)
    with pytest.raises(RecordError, match=problem) as caught:
        decode_text_block(block)
    assert caught.value.field == field


def test_lone_surrogate_is_undecodable_text(make_record: MakeRecord) -> None:
    block = encode_text_block(make_record("resident_long_term"))
    block = block[:52] + b"\x00\xdc" + block[54:]
    with pytest.raises(RecordError, match="address: undecodable"):
        decode_text_block(block)


def test_control_character_is_undecodable_text(make_record: MakeRecord) -> None:
    block = replace_field(encode_text_block(make_record("resident_long_term")), "name", "张\x07三")
    with pytest.raises(RecordError, match="name: undecodable"):
        decode_text_block(block)


def test_private_use_characters_are_kept(make_record: MakeRecord) -> None:
    # Rare characters in names are stored in the private use area on real cards.
    record = make_record("resident_long_term", name="张\ue000")
    assert decode_text_block(encode_text_block(record)).name == "张\ue000"


def test_unknown_nation_code_is_kept_raw_and_flagged(make_record: MakeRecord) -> None:
    record = decode_text_block(encode_text_block(make_record("resident_unknown_nation")))
    assert (record.nation_code, record.nation) == ("99", None)
    assert record.unknown_codes == ["nation_code"]


@pytest.mark.parametrize(("code", "name"), [("0", "未知的性别"), ("9", "未说明的性别")])
def test_sex_codes_0_and_9_are_named_not_mapped_to_female(
    make_record: MakeRecord, code: str, name: str
) -> None:
    record = decode_text_block(encode_text_block(make_record("resident_long_term", sex=code)))
    assert (record.sex, record.sex_name, record.unknown_codes) == (code, name, [])


def test_unknown_sex_code_is_kept_raw_and_flagged(make_record: MakeRecord) -> None:
    record = decode_text_block(encode_text_block(make_record("resident_long_term", sex="5")))
    assert (record.sex, record.sex_name, record.unknown_codes) == ("5", None, ["sex"])


def test_empty_chinese_name_on_a_foreign_card_is_none(make_record: MakeRecord) -> None:
    record = decode_text_block(encode_text_block(make_record("foreign_permanent_2017", name=None)))
    assert record.name is None


def test_block_of_wrong_size_is_a_frame_error() -> None:
    with pytest.raises(FrameError, match="255 bytes"):
        decode_text_block(bytes(255))


def test_encoder_refuses_fields_that_do_not_fit(make_record: MakeRecord) -> None:
    with pytest.raises(ValueError, match="name"):
        encode_text_block(make_record("resident_long_term", name="张" * 16))


def test_decoded_record_carries_photo_and_chip_serial(make_record: MakeRecord) -> None:
    record = decode_text_block(
        encode_text_block(make_record("resident_long_term")),
        photo=b"WLT",
        chip_serial="0102030405060708",
    )
    expected = dataclasses.replace(
        make_record("resident_long_term"), photo=b"WLT", chip_serial="0102030405060708"
    )
    assert record == expected


def test_birth_date_is_a_date(make_record: MakeRecord) -> None:
    record = decode_text_block(encode_text_block(make_record("hmt_residence")))
    assert record.birth_date == datetime.date(1988, 5, 20)
