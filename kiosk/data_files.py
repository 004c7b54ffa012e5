"""The touch UI's two data files, made from public data and kept in ``kiosk/static/``:

* ``regions.js``: today's GB/T 2260 regions (province → city → county) from python-stdnum's
  table (the one the backend checks a mailing region code against), so a visitor picks a
  district by name and never types a code;
* ``pinyin.js``: a small pinyin dictionary for the on-screen keyboard: every character of
  GB 2312 (the 6,763 in common use) under each of its readings (pypinyin), a character's usual
  reading before its others, and the characters of names and addresses first.

Run ``python -m kiosk.data_files`` after upgrading either library; a test checks the files
are what this makes.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

STATIC = Path(__file__).resolve().parent / "static"
HEADER = "// Made by `python -m kiosk.data_files` (do not edit by hand).\n"

# Characters that come first among their reading's candidates: common surnames, then what
# street addresses are written with (the rest follows in GB 2312 order).
FIRST = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
    "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵"
    "万钱严覃武戴莫孔向汤洪庄阮柯翁"
    "路街道号楼栋单元室层巷弄里村镇乡区县市省大厦花园小区公寓社区山湖海岛东南西北中新厦门思明湖里"
    "集美海沧同安翔安鼓浪屿厝后前上下口坑头尾"
    "明华国建文平志伟东海强晓生光林小民永杰军金健一忠洪江福祥中正振昌雄芳丽秀英敏静燕玲桂兰红梅"
    "霞琴云莲真环雪荣爱妹香月莺媛艳瑞凡佳嘉琼勤珍贞莉"
)

# Readings in the order people here use them (厦 is xià in 厦门, shà elsewhere).
LOCAL_READINGS = {"厦": ["xia", "sha"]}


def regions() -> list:
    """``[[province code, name, [[city code, name, [[county code, name], …]], …]], …]``:
    the regions in force today (a code's last period still open), without the bare 市辖区."""
    import stdnum

    table = Path(stdnum.__file__).parent / "cn" / "loc.dat"
    provinces: list = []
    for line in table.read_text(encoding="utf-8").splitlines():
        if match := re.match(r'^(\d\d) province="(.*)"', line):
            provinces.append([match[1] + "0000", match[2], {}])
        elif (match := re.match(r'^\s+(\d{4}) county="(.*)"', line)) and provinces:
            name = _in_force(match[2])
            if name and name != "市辖区":
                provinces[-1][2][provinces[-1][0][:2] + match[1]] = name
    result = []
    for code, name, entries in provinces:
        cities: dict[str, list] = {}
        for county, county_name in entries.items():
            if county.endswith("00"):
                continue
            city = county[:4] + "00"
            city_name = entries.get(city) or ("省直辖" if city[2:4] == "90" else name)
            cities.setdefault(city, [city, city_name, []])[2].append([county, county_name])
        if cities:
            result.append([code, name, sorted(cities.values())])
    return result


def _in_force(value: str) -> str | None:
    """``[1983-1994]郊区,[1995-]晋安区`` → 晋安区; a name whose last period ended → None."""
    last = value.split(",")[-1]
    if match := re.match(r"^\[(\d*)-(\d*)\](.*)$", last):
        return None if match[2] else match[3]
    return last


def gb2312_characters() -> list[str]:
    """GB 2312's hanzi: level 1 (3,755, by reading) then level 2 (3,008)."""
    characters = []
    for high in range(0xB0, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                characters.append(bytes([high, low]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return characters


def pinyin_table() -> dict[str, str]:
    """Each toneless reading (``ü`` as ``v``) → its characters, the ``FIRST`` ones first."""
    from pypinyin import Style, pinyin

    rank = {c: i for i, c in enumerate(dict.fromkeys(FIRST))}
    entries: dict[str, list[tuple]] = {}
    for index, character in enumerate(gb2312_characters()):
        readings = LOCAL_READINGS.get(character) or pinyin(
            character, style=Style.NORMAL, heteronym=True, v_to_u=False)[0]
        for place, reading in enumerate(readings):
            if re.fullmatch(r"[a-z]+", reading):  # (a character's usual reading before others)
                entries.setdefault(reading, []).append(
                    (place > 0, rank.get(character, len(rank)), index, character))
    return {reading: "".join(entry[-1] for entry in sorted(entries[reading]))
            for reading in sorted(entries)}


def regions_js() -> str:
    return HEADER + "const REGIONS = " + json.dumps(regions(), ensure_ascii=False,
                                                    separators=(",", ":")) + ";\n"


def pinyin_js() -> str:
    return HEADER + "const PINYIN = " + json.dumps(pinyin_table(), ensure_ascii=False,
                                                   separators=(",", ":")) + ";\n"


FILES = {"regions.js": regions_js, "pinyin.js": pinyin_js}


def main() -> None:
    for name, make in FILES.items():
        (STATIC / name).write_text(make(), encoding="utf-8")
        print(f"wrote {STATIC / name}")


if __name__ == "__main__":
    main()
