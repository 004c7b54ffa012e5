"""Addresses on the envelope: the region code's names, then the street address."""

import pytest

from backend.mailing.operations import full_address, region_text


@pytest.mark.parametrize(("code", "name"), [("350203", "福建省厦门市思明区"),
                                             ("350206", "福建省厦门市湖里区"),
                                             ("110101", "北京市东城区"),
                                             ("999999", "999999")])
def test_region_code_reads_as_province_city_and_district(code, name):
    assert region_text(code) == name


@pytest.mark.parametrize("detail", ["湖滨南路 1 号", "思明区湖滨南路 1 号", "厦门市思明区湖滨南路 1 号",
                                    "福建省厦门市思明区湖滨南路 1 号"])
def test_the_district_is_written_once_however_the_street_address_starts(detail):
    address = {"region_code": "350203", "detail": detail}

    assert full_address(address) == "福建省厦门市思明区湖滨南路 1 号"
