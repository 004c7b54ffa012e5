"""The application as gunicorn serves it: ``gunicorn backend.wsgi:app``.

Everything made while starting (the app, the models, routes and schemas) lives as long as the
process. ``gc.freeze`` moves it out of the cycle collector's sight, so that a full collection
that happens to fall in a request (inside SQLite's writer lock, say) scans only what requests
made (README, Decision throughput).
"""

import gc

from backend import create_app

app = create_app()
gc.freeze()
