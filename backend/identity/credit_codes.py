"""Unified social credit codes (统一社会信用代码, GB 32100), checked with python-stdnum."""

from __future__ import annotations

from stdnum.cn import uscc
from stdnum.exceptions import ValidationError

# 统一社会信用代码 (GB 32100): 18 characters of digits and capitals without I, O, S, V and Z;
# the 3rd to 8th are the region's digits (python-stdnum's ``cn.uscc`` checks the rest). The
# OpenAPI document states this shape wherever a code is accepted or shown.
USCC_PATTERN = r"^[0-9A-HJ-NP-RTUW-Y]{2}[0-9]{6}[0-9A-HJ-NP-RTUW-Y]{10}$"
USCC_SHAPE = {"pattern": USCC_PATTERN, "minLength": 18, "maxLength": 18}


class InvalidCreditCode(ValueError):
    def __init__(self, detail: str):
        self.message = "统一社会信用代码无效，请核对后重新输入（18位，含校验位）。"
        self.message_en = f"The unified social credit code is invalid ({detail})."
        super().__init__(self.message_en)


def validate_uscc(value: str) -> str:
    """The canonical (upper-case, compact) code, or :class:`InvalidCreditCode`."""
    if not isinstance(value, str):
        raise InvalidCreditCode("not text")
    try:
        return uscc.validate(value)
    except ValidationError as error:
        raise InvalidCreditCode(error.message) from None
