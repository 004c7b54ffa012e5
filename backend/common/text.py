"""Text as people type it: names, addresses, reasons. No control characters, no lone surrogates.

PostgreSQL cannot store a NUL (the request would end in a 500 whose traceback quotes the
statement's parameters), a lone surrogate cannot be encoded as UTF-8 at all, and the other
control characters have no place in a name or an address (they hide or reorder text on a
console page or a printed label). Every such field refuses them at the schema, with a 422
naming the field: :class:`Text` for marshmallow schemas, :class:`PlainText` for console forms.
"""

from __future__ import annotations

import re

import marshmallow as ma
from wtforms.validators import ValidationError as FormValidationError

# C0 and C1 controls, DEL, and UTF-16 surrogates (only ever lone in a Python str)
_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# the same, less tab, line feed and carriage return (a browser's text area sends CR LF)
_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

MESSAGE = "不能包含控制字符或无效字符，请删除后重试。 Control or invalid characters are not allowed."

# The same rules as the OpenAPI document states them (ECMA-262 patterns; a lone surrogate
# cannot be sent as UTF-8 at all, only as a JSON escape, and is refused all the same).
ONE_LINE_PATTERN = r"^[^\u0000-\u001f\u007f-\u009f]*$"
MULTILINE_PATTERN = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]*$"


def scrubbed(text: str) -> str:
    """``text`` with each refused character replaced by ``_``: for a name we keep but do not
    ask a person to retype (an uploaded file's name, as the browser sent it)."""
    return _ONE_LINE.sub("_", text)


def is_plain(text: str, *, multiline: bool = False) -> bool:
    """Whether ``text`` has none of the refused characters (line breaks allowed if multiline)."""
    return not (_MULTILINE if multiline else _ONE_LINE).search(text)


class Text(ma.fields.String):
    """A marshmallow string field that refuses control characters and lone surrogates."""

    def __init__(self, *args, multiline: bool = False, **kwargs):
        pattern = MULTILINE_PATTERN if multiline else ONE_LINE_PATTERN
        kwargs["metadata"] = {"pattern": pattern, **(kwargs.get("metadata") or {})}
        super().__init__(*args, **kwargs)
        self.multiline = multiline

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if not is_plain(text, multiline=self.multiline):
            raise ma.ValidationError(MESSAGE)
        return text


class FullMatch(ma.validate.Regexp):
    """marshmallow's ``Regexp`` over the whole text: with ``re.match`` a pattern's ``$`` also
    matched before a final line break, so ``"C1\\n"`` passed ``^[A-Z][0-9A-Z]{0,3}$``. (Still
    a ``Regexp``: the OpenAPI document states the pattern.)"""

    def __call__(self, value):
        if self.regex.fullmatch(value) is None:
            raise ma.ValidationError(self._format_error(value))
        return value


class PlainText:
    """The same rule as a WTForms validator, for the console's forms."""

    def __init__(self, *, multiline: bool = False):
        self.multiline = multiline

    def __call__(self, _form, field) -> None:
        if isinstance(field.data, str) and not is_plain(field.data, multiline=self.multiline):
            raise FormValidationError(MESSAGE)
