"""What the platform rules ask: the market-regulation register (市场监管), a source like the
others (its mirror ``mirror_companies``, or ``SOURCE_COMPANY_REGISTRY_URL`` over HTTP:
``GET {url}/company?uscc=…``), and the identity source for the legal representative."""

from __future__ import annotations

from backend.platforms.imports import CompanyRegistryImport
from backend.platforms.models import MirrorCompany
from backend.verification.sources import Question, mirror_rows, operation

COMPANY = "company_registry.company"
IDENTITY = "identity.person"

COMPANIES = MirrorCompany.__table__


def _company(uscc: str):
    found = mirror_rows(COMPANIES, "name", "legal_representative",
                        "legal_representative_id_number", "legal_person", "status",
                        "business_scope", "address", where=COMPANIES.c.uscc == uscc)
    return found[0] if found else None


# An answer has the fields of the import record, less the credit code it was asked by.
operation(COMPANY, _company, CompanyRegistryImport(exclude=("uscc",)),
          department=("市场监管部门（企业登记）", "market regulation (company register)"))


def company_question(uscc: str) -> Question:
    return Question("company_registry", "company", {"uscc": uscc})


def legal_representative_question(id_number: str) -> Question:
    return Question("identity", "person", {"id_number": id_number})


def credit_question(uscc: str, legal_representative_id_number: str = "") -> Question:
    """The blacklist entries that bar the company (``backend.credit.rules``, ``plat.blacklist``)."""
    return Question("credit", "company", {"uscc": uscc, "id_number": legal_representative_id_number})
