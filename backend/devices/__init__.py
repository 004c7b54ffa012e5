"""Kiosks (自助终端) as devices the backend knows, and the kiosk API they call.

* :mod:`~backend.devices.models`: registered devices, the nonces they have used and card
  sessions (one visit: card placed to card removed); a visit's 好差评 rating is
  :mod:`backend.ratings`'.
* :mod:`~backend.devices.keys`: device secrets (sealed at rest) and the request signature.
* :mod:`~backend.devices.operations`: registration, request authentication, the card holder's
  identity check, performing a matter and rating a visit.
* :mod:`~backend.devices.api` (``/kiosk/v1``), :mod:`~backend.devices.console`
  (``/console/devices``) and :mod:`~backend.devices.cli` (``flask devices``).
"""
