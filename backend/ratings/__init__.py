"""好差评: citizens' ratings of the service, one per visit (kiosk) or per matter (online)."""
