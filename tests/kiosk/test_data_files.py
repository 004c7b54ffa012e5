"""The touch UI's data files: what ``python -m kiosk.data_files`` makes from python-stdnum's
GB/T 2260 table and pypinyin, and nothing a backend would refuse."""

import json

from backend.identity.id_numbers import region_exists
from kiosk import data_files


def _loaded(name: str):
    text = (data_files.STATIC / name).read_text(encoding="utf-8")
    return json.loads(text.split(" = ", 1)[1].rstrip(";\n"))


def test_the_files_are_what_the_generator_makes():
    for name, make in data_files.FILES.items():
        assert (data_files.STATIC / name).read_text(encoding="utf-8") == make(), name


def test_every_region_offered_is_one_the_mailing_address_accepts():
    regions = _loaded("regions.js")
    codes = [county for _p, _n, cities in regions for _c, _cn, counties in cities
             for county, _name in counties]
    assert len(codes) > 2800 and len(set(codes)) == len(codes)
    assert all(region_exists(code) for code in codes)
    fujian = next(cities for code, _name, cities in regions if code == "350000")
    assert [name for _code, name, _counties in fujian] == [
        "福州市", "厦门市", "莆田市", "三明市", "泉州市", "漳州市", "南平市", "龙岩市", "宁德市"]
    xiamen = dict(next(counties for code, _n, counties in fujian if code == "350200"))
    assert xiamen == {"350203": "思明区", "350205": "海沧区", "350206": "湖里区",
                      "350211": "集美区", "350212": "同安区", "350213": "翔安区"}
    assert "350204" not in codes  # 开元区, merged into 思明区 in 2003


def test_the_pinyin_dictionary_offers_names_and_addresses_first():
    table = _loaded("pinyin.js")
    assert table["chen"][0] == "陈" and table["lin"][0] == "林" and table["lu"].index("路") < 3
    assert table["xia"].index("厦") < 3 and "女" in table["nv"]
    assert sum(len(characters) for characters in table.values()) >= 6763
