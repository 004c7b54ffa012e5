"""Drivers: the 网约车驾驶员证 matters (issue, reissue, renewal, cancellation), the driver
eligibility rules and the exams."""
