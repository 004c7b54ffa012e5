"""gunicorn's access log without personal data.

A certificate's QR token travels in the URL (``/v/<token>``, ``/api/v1/verify/<token>``) and
carries the holder's certificate number, which for drivers is the ID number; the access log
keeps the route and drops the token. Any ID or mobile number elsewhere in a logged line is
masked.

    gunicorn --logger-class backend.common.access_log.MaskingLogger 'backend:create_app()'
"""

from __future__ import annotations

import re

from gunicorn.glogging import Logger

from backend.common.masking import mask_personal_data

_TOKEN_PATHS = re.compile(r"(/v/|/api/v1/verify/)[^\s?\"]+")


def scrub(text: str) -> str:
    return mask_personal_data(_TOKEN_PATHS.sub(r"\1…", text))


class MaskingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "q", "{raw_uri}e"):
            if isinstance(atoms.get(key), str):
                atoms[key] = scrub(atoms[key])
        return atoms
