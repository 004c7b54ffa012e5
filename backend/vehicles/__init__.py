"""Vehicles: the platform register, the vehicle sources' mirrors, the vehicle rules and the
transport certificate (《网络预约出租汽车运输证》) from issue to cancellation."""
