"""Police alerts: received, a driver's certificate suspended at once, then due process.

``receive`` is the one way an alert enters: the signed hook (``POST /hooks/v1/police-alerts``),
``flask alerts import FILE`` and the regular re-check all call it.
"""

from __future__ import annotations

import datetime as dt

from backend.alerts.models import Alert


def receive(*, reference: str, id_number: str, category: str, recorded_on: dt.date, detail: str,
            source: str, actor: str) -> Alert:
    """Store one alert and act on it, in the caller's transaction (this flushes, never commits).

    Idempotent by ``(source, reference)``: the same reference from the same source again
    returns the alert stored the first time, unchanged, and does nothing else (a different
    ``source`` — ``police`` for the hook and the default of the import, ``recheck`` for the
    regular re-check — is a different alert).

    ``id_number`` must be valid (``backend.identity.id_numbers``) and ``category`` one of
    ``CATEGORIES`` (the driver rules' categories); anything else is ``ApiError(422)`` and
    nothing is stored. ``recorded_on`` is the date of the underlying record; ``detail`` free
    text kept for staff (never shown to the public).

    When the person holds a valid driver certificate it is suspended here, in the same
    transaction (``certificates.operations.set_status(..., Status.SUSPENDED)``), a
    ``Suspension`` opens with its objection and decision deadlines, and the holder is told
    (``notify.operations.tell``). An alert about a person without a certificate in force is
    stored all the same: the driver rules read it on the person's next application. Audited.

    A concurrent change of the same certificate (a renewal at the same moment) fails the
    certificate's version check when the session flushes (``StaleDataError``, answered 409 by
    a request): the caller's transaction then keeps nothing, and the alert is sent again.
    """
    raise NotImplementedError  # (being written: the signature and contract above are fixed)
