"""gunicorn's settings for this service (``make run`` passes ``--config gunicorn.conf.py``;
gunicorn also reads this file by itself when started in this folder).

Request limits: gunicorn answers a request over its own limits itself, in plain HTML, before
the app sees it. Its limits are therefore set above the app's (``backend/common/limits.py``):
a request target longer than 4,096 bytes, more than 100 header fields or a field over 8,190
bytes reaches the app and gets its 414 or 431 in the JSON error shape. Only past gunicorn's
limits below (a request line over 8,190 bytes, the most gunicorn allows; more than 200 fields;
a field over 16,380 bytes) does gunicorn answer 414 or 431 in HTML (README, *Limits*).
"""

limit_request_line = 8190
limit_request_fields = 200
limit_request_field_size = 16380
