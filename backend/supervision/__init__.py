"""Supervision (事中事后监管): every licensed platform's data feed in the national interface
format (regulatory.md §1.2–1.3, Appendix A), validated at the door, base information in the
relational database, events in a columnar store, and the figures built on them."""
