"""Police alerts (预警信息): a certificate suspended at once, then due process (issue 17)."""
