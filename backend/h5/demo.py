"""The development stand-in for the app's sign-in (``IDP_MODE=dev`` only): a list of the demo
citizens and companies, or any name and ID number typed in. It signs an assertion with the
development identity provider and hands it over exactly as the app's would be."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from backend.demo import DEMO_DRIVERS, demo_id_number
from backend.errors import ApiError
from backend.h5.session import hand_over
from backend.identity.assertions import issue_dev_assertion
from backend.identity.credit_codes import InvalidCreditCode, validate_uscc
from backend.identity.id_numbers import InvalidIdNumber, validate_id_number
from backend.platforms.demo import COMPANIES
from backend.vehicles.demo import GREEN, OWNER_A, OWNER_B, PLATFORMS


def people() -> list[dict]:
    """Who can be chosen: every demo driver, the vehicle owners, the companies' representatives
    acting for their company, and a licensed platform's."""
    chosen = [{"name": name, "id_number": number, "shows": shows}
              for name, number, shows, *_ in DEMO_DRIVERS]
    chosen += [{"name": name, "id_number": number, "shows": "vehicle owner: the 闽DD100xx demo plates"}
               for number, name in (OWNER_A, OWNER_B)]
    chosen += [{"name": person, "id_number": number, "uscc": uscc, "company_name": company,
                "shows": f"company: {shows}"}
               for uscc, company, person, number, _scope, shows in COMPANIES]
    code, company, uscc = next((p[0], p[1], p[2]) for p in PLATFORMS if p[0] == GREEN)
    chosen.append({"name": "演示绿行法人", "id_number": demo_id_number("19790909", 41),
                   "uscc": uscc, "company_name": company,
                   "shows": f"licensed platform {code}: its data feed"})
    return chosen


def sign_in(form: MultiDict) -> None:
    """Sign in as the person (and company) the form names."""
    try:
        number = validate_id_number((form.get("id_number") or "").strip())
        uscc = validate_uscc(form["uscc"].strip()) if form.get("uscc") else None
    except (InvalidIdNumber, InvalidCreditCode) as error:
        raise ApiError(422, error.message, error.message_en) from None
    name = (form.get("name") or "").strip()
    if not 1 <= len(name) <= 50:
        raise ApiError(422, "请填写姓名（1–50 个字）。", "Enter a name (1 to 50 characters).")
    company = (uscc, (form.get("company_name") or "").strip() or uscc) if uscc else None
    hand_over(issue_dev_assertion(number, name, company=company))
