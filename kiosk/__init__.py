"""The program on an e-government self-service kiosk (自助终端).

``python -m kiosk --config kiosk.toml`` watches the ID-card reader, talks to the backend's
kiosk API over HTTP (signed requests; it never imports ``backend``), and serves a local touch
UI for Chromium in kiosk mode. Card data lives in memory for the current visit only: it is
never written to disk and never logged.

* :mod:`kiosk.config`: the TOML configuration.
* :mod:`kiosk.client`: the signed HTTP client of ``/kiosk/v1``.
* :mod:`kiosk.visit`: the screens of one visit, driven by card events and touches.
* :mod:`kiosk.reader`: the reader thread (``card_reader.pcsc``).
* :mod:`kiosk.ui`: the local UI server; ``kiosk/static`` holds the page.
* :mod:`kiosk.app`: wiring and the command line.
"""
