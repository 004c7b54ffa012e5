"""Enforcement cameras (智慧眼): plate reads over MQTT classified against the licence register
and the platforms' feed, suspected illegal operation as alerts for an officer, plate look-ups."""
