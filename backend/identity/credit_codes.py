"""Unified social credit codes (统一社会信用代码, GB 32100), checked with python-stdnum."""

from __future__ import annotations

from stdnum.cn import uscc
from stdnum.exceptions import ValidationError


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
