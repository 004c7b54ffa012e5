"""Demo data of the platform licence (``flask setup`` into an empty database, never in
production): two companies in the market-regulation mirror and their legal representatives in
the identity mirror. Sign in as one of them with the development identity provider (README,
Platform company licence) and apply."""

from __future__ import annotations

import json

from backend.verification.imports import import_file

ADDRESS = "厦门市思明区软件园二期观日路（演示地址）"

# (credit code, name, legal representative, their ID number, business scope, what it shows)
COMPANIES = [
    ("91350203MA8DEM1015", "演示云程出行科技（厦门）有限公司", "演示王法人", "350203198001015017",
     "网络预约出租汽车经营服务；软件开发；信息技术咨询服务", "passes every check"),
    ("91350206MA8DEM102K", "演示海沧信息技术有限公司", "演示林法人", "350206198202025026",
     "软件开发；信息技术咨询服务", "fails plat.scope: ride-hailing not in its business scope"),
]


def load_platform_demo() -> None:
    companies, people = [], []
    for uscc, name, representative, id_number, scope, _shows in COMPANIES:
        companies.append({"uscc": uscc, "name": name, "legal_representative": representative,
                          "legal_representative_id_number": id_number, "legal_person": True,
                          "status": "存续", "business_scope": scope, "address": ADDRESS})
        people.append({"id_number": id_number, "name": representative, "sex": "1",
                       "birth_date": f"{id_number[6:10]}-{id_number[10:12]}-{id_number[12:14]}",
                       "hukou_region": id_number[:6], "card_valid_until": "长期",
                       "card_reported_lost": False})
    import_file("company_registry", [json.dumps(r, ensure_ascii=False) for r in companies])
    import_file("identity", [json.dumps(r, ensure_ascii=False) for r in people])
