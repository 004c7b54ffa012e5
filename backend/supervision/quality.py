"""Data quality per platform and day (MOT practice, regulatory.md §3.2): completeness, timeliness,
validity and consistency of each platform's feed.

(Work in progress by the quality/simulator engineer. What this module reads from the others:
- the event store: every stored record of orderCreate, operateDepart, operateArrive, operatePay
  and positionVehicle with its spec field names, plus the time the intake received it
  (``received_at``), through the DuckDB query helper of ``events.py``;
- the intake's count of rejected records per platform, day, interface and reason;
- the base information tables (baseInfoVehicle, baseInfoDriver) per platform.)
"""
