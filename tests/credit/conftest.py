# A month of orders whose dual-compliance rates are known (the grades read them).
from tests.supervision.test_compliance import clock, month_of_orders  # noqa: F401  (fixtures)
