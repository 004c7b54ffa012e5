"""Credit management (信用管理): dishonest behaviours as data, records against platforms, their
managers, drivers and vehicles, the 重点关注名单 and 黑名单 with their effects on licensing, and
service-quality credit grades (docs/credit.md)."""
