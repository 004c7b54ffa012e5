"""Notices to platforms (通知): every suspension, reinstatement, revocation, cancellation and
expiry of a driver or transport certificate, told to the platforms the driver or vehicle
serves, pushed to their callback and readable as a feed (docs/platform-notices.md)."""
