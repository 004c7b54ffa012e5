"""The catalogue of the national interfaces (regulatory.md §1.3, Appendix A): one ``Interface``
per IPCType with its URI, its fields as the spec lists them and what each field must be.

Every interface is declared once below as a field table (number, name, proto type, required,
check). The same table gives the protobuf schema (``backend.supervision.ipc`` builds the
``OTIpc`` descriptors from it and renders ``ipc.proto``), the validation of each record and the
natural key the stores deduplicate on. A check is a name from ``CHECKS``:

    V<n>      a string of at most n characters     f8 / f14 / ym   YYYYMMDD / YYYYMMDDhhmmss / YYYYMM
    hhmm      a time of day, "0730"                  ptime           PositionTime: Unix seconds,
    area      a GB/T 2260 code that exists                           milliseconds or F14
    lon, lat  1e-6 degrees inside China             plate           a Chinese plate number
    idno      a resident ID number (GB 11643)        uscc            a unified social credit code
    mobile    a mainland mobile number               phone           a telephone number
    vin       17 characters, no I, O or Q            in:1,2,3        one of the listed codes
    range:a..b a number from a to b                 amount          a number ≥ 0 (元, km, s)

Values are normalised as they are validated: integers stay integers (F8/F14 dates as sent),
coordinates integers in 1e-6 degrees, ``PositionTime`` Unix seconds (an F14 stamp is Beijing
time), strings stripped.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
import re
from collections.abc import Callable

from stdnum import numdb
from stdnum.cn import ric, uscc

from backend.common.text import is_plain

BASE, EVENT = "base", "event"
BEIJING = dt.timezone(dt.timedelta(hours=8))
DEFAULT_TEXT_LENGTH = 256


class Invalid(Exception):
    """A field value the spec does not allow: ``reason`` is a stable code, the messages say
    what is wrong in Chinese and English."""

    def __init__(self, reason: str, message: str, message_en: str):
        super().__init__(message_en)
        self.reason, self.message, self.message_en = reason, message, message_en


@dataclasses.dataclass(frozen=True)
class Field:
    number: int
    name: str
    proto_type: str
    required: bool
    check: str


@dataclasses.dataclass(frozen=True)
class Interface:
    """One national interface: ``ipc_type`` is also the name of its payload field."""

    ipc_type: str
    code: int
    uri: str
    kind: str
    natural_key: tuple[str, ...]
    time_field: str
    fields: tuple[Field, ...]
    # Pairs (earlier, later) of time fields whose order the spec implies.
    ordered: tuple[tuple[str, str], ...] = ()

    @property
    def message_name(self) -> str:
        return self.ipc_type[0].upper() + self.ipc_type[1:]

    @property
    def path(self) -> str:
        return "/ipc/v1" + self.uri

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


# -- the checks -----------------------------------------------------------------------------

PLATE = re.compile(r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领]"
                   r"[A-HJ-NP-Z][A-HJ-NP-Z0-9]{4,5}[A-HJ-NP-Z0-9挂学警港澳]")
MOBILE = re.compile(r"1[3-9]\d{9}")
PHONE = re.compile(r"\+?[0-9][0-9 -]{4,30}")
VIN = re.compile(r"[A-HJ-NPR-Z0-9]{17}")
HHMM = re.compile(r"([01]\d|2[0-3])[0-5]\d")
CHINA_LONGITUDE = (73_400_000, 135_100_000)
CHINA_LATITUDE = (3_800_000, 53_600_000)
EARLIEST_YEAR, LATEST_YEAR = 1900, 2100
_areas = numdb.get("cn/loc")


def _date_error(what: str, what_en: str, digits: int) -> Invalid:
    return Invalid("date", f"{what}须为 {digits} 位数字，且是存在的日期或时间，年份在 {EARLIEST_YEAR}–{LATEST_YEAR}",
                   f"{what_en} must have {digits} digits and be a real date or time, "
                   f"year {EARLIEST_YEAR}–{LATEST_YEAR}")


def _split(value: int, low: int, high: int) -> list[int] | None:
    """The parts of a YYYYMMDDhhmmss-like integer (``low`` ≤ value < ``high``), most
    significant first, two digits each after the year; integer arithmetic is far quicker than
    ``strptime`` for the millions of stamps a day brings."""
    if not low <= value < high:
        return None
    parts = []
    while value >= 10000:
        value, part = divmod(value, 100)
        parts.append(part)
    return [value, *reversed(parts)]


def check_f8(value: int) -> int:
    parts = _split(value, 10_000_000, 100_000_000)
    try:
        dt.date(*parts)
    except (TypeError, ValueError):
        raise _date_error("日期（YYYYMMDD）", "The date (YYYYMMDD)", 8) from None
    if not EARLIEST_YEAR <= parts[0] <= LATEST_YEAR:
        raise _date_error("日期（YYYYMMDD）", "The date (YYYYMMDD)", 8)
    return value


def check_f14(value: int) -> int:
    parts = _split(value, 20000101000000, LATEST_YEAR * 10**10 + 10**10)
    try:
        dt.datetime(*parts)
    except (TypeError, ValueError):
        if parts is None and 0 <= value < 20000101000000:
            raise Invalid("date", "时间早于 2000 年（或为 0），应为实际发生时间 YYYYMMDDhhmmss",
                          "The time is before 2000 (or zero); send when it happened, "
                          "YYYYMMDDhhmmss") from None
        raise _date_error("时间（YYYYMMDDhhmmss）", "The time (YYYYMMDDhhmmss)", 14) from None
    return value


def check_ym(value: int) -> int:
    parts = _split(value, EARLIEST_YEAR * 100, LATEST_YEAR * 100 + 100)
    if parts is None or not 1 <= parts[1] <= 12:
        raise _date_error("月份（YYYYMM）", "The month (YYYYMM)", 6)
    return value


def f14_to_unix(value: int) -> int:
    return int(dt.datetime(*_split(value, 0, 10**14), tzinfo=BEIJING).timestamp())


def check_position_time(value: int) -> int:
    """Unix seconds (10 digits), milliseconds (13) or an F14 stamp (14), as Unix seconds."""
    if 946_684_800 <= value < 10**10:  # from 2000-01-01: the usual case first
        return value
    if 946_684_800_000 <= value < 10**13:
        return value // 1000
    if 10**13 <= value < 10**14:
        return f14_to_unix(check_f14(value))
    raise Invalid("date", "定位时间须为 Unix 秒、毫秒或 YYYYMMDDhhmmss，且晚于 2000 年",
                  "PositionTime must be Unix seconds, milliseconds or YYYYMMDDhhmmss after 2000")


def check_hhmm(value: str) -> str:
    if not HHMM.fullmatch(value):
        raise Invalid("format", "时刻须为 24 小时制 HHmm，例如 0730", "A time of day must be HHmm, e.g. 0730")
    return value


@functools.lru_cache(maxsize=4096)
def check_area(value: int) -> int:
    found = _areas.info(str(value))
    if len(str(value)) != 6 or len(found) < 2 or "county" not in found[1][1]:
        raise Invalid("area", "行政区划代码不存在（GB/T 2260 六位代码，厦门市为 350200）",
                      "Not a GB/T 2260 division code (6 digits; Xiamen is 350200)")
    return value


def _within(value: int, bounds: tuple[int, int], what: str, what_en: str) -> int:
    if not bounds[0] <= value <= bounds[1]:
        raise Invalid("coordinate", f"{what}不在中国境内（单位为 1e-6 度，例如 118089123）",
                      f"The {what_en} is outside China (units of 1e-6 degree, e.g. 118089123)")
    return value


def check_longitude(value: int) -> int:
    return _within(value, CHINA_LONGITUDE, "经度", "longitude")


def check_latitude(value: int) -> int:
    return _within(value, CHINA_LATITUDE, "纬度", "latitude")


def _pattern(pattern: re.Pattern, reason: str, message: str, message_en: str) -> Callable:
    @functools.lru_cache(maxsize=65536)  # plates and phones repeat all day long
    def check(value: str) -> str:
        if not pattern.fullmatch(value):
            raise Invalid(reason, message, message_en)
        return value
    return check


def _stdnum(module, reason: str, message: str, message_en: str) -> Callable:
    @functools.lru_cache(maxsize=65536)
    def check(value: str) -> str:
        if not module.is_valid(value):
            raise Invalid(reason, message, message_en)
        return module.compact(value)
    return check


def _length(limit: int) -> Callable:
    def check(value: str) -> str:
        if len(value) > limit:
            raise Invalid("length", f"长度超过 {limit} 个字符", f"Longer than {limit} characters")
        return value
    return check


def _one_of(codes: str) -> Callable:
    listed = codes.split(",")
    allowed = frozenset(listed) | frozenset(int(code) for code in listed if code.isdigit())

    def check(value):
        if value not in allowed:
            raise Invalid("code", f"取值须为 {'、'.join(listed)} 之一", f"Must be one of {', '.join(listed)}")
        return value
    return check


def _range(bounds: str) -> Callable:
    low, high = (int(part) for part in bounds.split(".."))

    def check(value):
        if not low <= value <= high:
            raise Invalid("range", f"取值须在 {low} 至 {high} 之间", f"Must be from {low} to {high}")
        return value
    return check


def check_amount(value: float) -> float:
    if value < 0:
        raise Invalid("range", "不能为负数", "Must not be negative")
    return value


CHECKS: dict[str, Callable] = {
    "f8": check_f8, "f14": check_f14, "ym": check_ym, "ptime": check_position_time,
    "hhmm": check_hhmm, "area": check_area, "lon": check_longitude, "lat": check_latitude,
    "amount": check_amount, "any": lambda value: value,
    "plate": _pattern(PLATE, "plate", "车牌号格式不正确（例如 闽D12345）", "Not a plate number (e.g. 闽D12345)"),
    "mobile": _pattern(MOBILE, "phone", "手机号码须为 11 位", "Not an 11-digit mobile number"),
    "phone": _pattern(PHONE, "phone", "电话号码格式不正确", "Not a telephone number"),
    "vin": _pattern(VIN, "vin", "车辆识别代号须为 17 位（不含 I、O、Q）",
                    "A VIN has 17 characters without I, O or Q"),
    "idno": _stdnum(ric, "id_number", "身份证号码不正确（18 位，校验位有误或出生日期不存在）",
                    "Not a valid resident ID number (18 characters, check digit and birth date)"),
    "uscc": _stdnum(uscc, "credit_code", "统一社会信用代码不正确", "Not a valid unified social credit code"),
}


def checker(name: str) -> Callable:
    if name in CHECKS:
        return CHECKS[name]
    if name.startswith("V"):
        return _length(int(name[1:]))
    kind, _, argument = name.partition(":")
    return {"in": _one_of, "range": _range}[kind](argument)


# -- the interfaces -------------------------------------------------------------------------

FLAG = "in:1,2,3"
STATE = "in:0,1"
ENCRYPT = "in:0,1,2,3,4"
BIZ_STATUS = "in:1,2,3,4"
CATALOGUE: dict[str, Interface] = {}


def _fields(table: str) -> tuple[Field, ...]:
    fields = []
    for line in table.strip().splitlines():
        number, name, proto_type, required, *check = line.split()
        check = check[0] if check else ("any" if proto_type != "string" else f"V{DEFAULT_TEXT_LENGTH}")
        fields.append(Field(int(number), name, proto_type, required == "Y", check))
    return tuple(fields)


def _declare(ipc_type: str, code: int, uri: str, kind: str, key: str, time_field: str,
             table: str, ordered: tuple[tuple[str, str], ...] = ()) -> None:
    CATALOGUE[ipc_type] = Interface(ipc_type, code, uri, kind, tuple(key.split("+")), time_field,
                                    _fields(table), ordered)


_declare("baseInfoCompany", 0x1001, "/baseinfo/company", BASE, "CompanyId", "UpdateTime", f"""
    1 CompanyId string Y V32
    2 CompanyName string Y V256
    3 Identifier string Y uscc
    4 Address uint32 Y area
    5 BusinessScope string Y V512
    6 ContactAddress string Y V256
    7 EconomicType string Y V64
    8 RegCapital string Y V64
    9 LegalName string Y V64
    10 LegalID string Y idno
    11 LegalPhone string Y phone
    12 LegalPhoto string N V128
    13 State uint32 Y {STATE}
    14 Flag uint32 Y {FLAG}
    15 UpdateTime uint64 Y f14
    16 Reserved string N V256""")

_declare("baseInfoCompanyStat", 0x1002, "/baseinfo/companystat", BASE, "CompanyId", "UpdateTime", f"""
    1 CompanyId string Y V32
    2 VehicleNum uint32 Y
    3 DriverNum uint32 Y
    4 Flag uint32 Y {FLAG}
    5 UpdateTime uint64 Y f14
    6 Reserved string N V256""")

_declare("baseInfoCompanyPay", 0x1003, "/baseinfo/companypay", BASE, "PayId", "UpdateTime", f"""
    1 CompanyId string Y V32
    2 PayName string Y V256
    3 PayId string Y V32
    4 PayType string Y V64
    5 PayScope string Y V256
    6 PrepareBank string Y V256
    7 CountDate uint32 Y
    8 State uint32 Y {STATE}
    9 Flag uint32 Y {FLAG}
    10 UpdateTime uint64 Y f14
    11 Reserved string N V256""")

_declare("baseInfoCompanyService", 0x1004, "/baseinfo/companyservice", BASE, "ServiceNo",
         "UpdateTime", f"""
    1 CompanyId string Y V32
    2 Address uint32 Y area
    3 ServiceName string Y V128
    4 ServiceNo string Y V64
    5 DetailAddress string Y V256
    6 ResponsibleName string Y V64
    7 ResponsiblePhone string Y phone
    8 ManagerName string Y V64
    9 ManagerPhone string Y phone
    10 ContactPhone string N phone
    11 MailAddress string Y V256
    12 CreateDate uint64 Y f8
    13 State uint32 Y {STATE}
    14 Flag uint32 Y {FLAG}
    15 UpdateTime uint64 Y f14
    16 Reserved string N V256""")

_declare("baseInfoCompanyPermit", 0x1005, "/baseinfo/companypermit", BASE, "Certificate",
         "UpdateTime", f"""
    1 CompanyId string Y V32
    2 Address uint32 Y area
    3 Certificate string Y V64
    4 OperationArea string Y V128
    5 OwnerName string Y V256
    6 Organization string Y V256
    7 StartDate uint64 Y f8
    8 StopDate uint64 Y f8
    9 CertifyDate uint64 Y f8
    10 State string Y {STATE}
    11 Flag uint32 Y {FLAG}
    12 UpdateTime uint64 Y f14
    13 Reserved string N V256""", ordered=(("StartDate", "StopDate"),))

_declare("baseInfoCompanyFare", 0x1006, "/baseinfo/companyfare", BASE, "FareType", "UpdateTime", f"""
    1 CompanyId string Y V32
    2 Address uint32 Y area
    3 FareType string Y V16
    4 FareTypeNote string N V128
    5 FareValidOn uint64 Y f14
    6 FareValidOff uint64 N f14
    7 StartFare float Y amount
    8 StartMile float Y amount
    9 UnitPricePerMile float Y amount
    10 UnitPricePerMinute float Y amount
    11 UpPrice float N amount
    12 UpPriceStartMile float N amount
    13 MorningPeakTimeOn string Y hhmm
    14 MorningPeakTimeOff string Y hhmm
    15 EveningPeakTimeOn string Y hhmm
    16 EveningPeakTimeOff string Y hhmm
    17 OtherPeakTimeOn string N hhmm
    18 OtherPeakTimeOff string N hhmm
    19 PeakUnitPrice float Y amount
    20 PeakPriceStartMile float Y amount
    21 LowSpeedPricePerMinute float N amount
    22 NightPricePerMile float N amount
    23 NightPricePerMinute float N amount
    24 OtherPrice float N amount
    25 State uint32 Y {STATE}
    26 UpdateTime uint64 Y f14
    27 Flag uint32 Y {FLAG}
    28 Reserved string N V256""", ordered=(("FareValidOn", "FareValidOff"),))

_declare("baseInfoVehicle", 0x1007, "/baseinfo/vehicle", BASE, "VehicleNo", "UpdateTime", f"""
    1 CompanyId string Y V32
    2 Address uint32 Y area
    3 VehicleNo string Y plate
    4 PlateColor string Y in:1,2,3,4,5,9
    5 Seats uint32 Y range:1..60
    6 Brand string Y V64
    7 Model string Y V64
    8 VehicleType string Y V64
    9 OwnerName string Y V256
    10 VehicleColor string Y V32
    11 EngineId string Y V32
    12 VIN string Y vin
    13 CertifyDateA uint64 Y f8
    14 FuelType string Y V32
    15 EngineDisplace string Y V32
    16 PhotoId string N V128
    17 Certificate string N V64
    18 TransAgency string Y V256
    19 TransArea string Y V256
    20 TransDateStart uint64 Y f8
    21 TransDateStop uint64 Y f8
    22 CertifyDateB uint64 Y f8
    23 FixState string Y in:0,1,2
    24 NextFixDate uint64 N f8
    25 CheckState string Y V2
    26 FeePrintId string Y V64
    27 GPSBrand string Y V256
    28 GPSModel string Y V64
    29 GPSIMEI string N V128
    30 GPSInstallDate uint64 Y f8
    31 RegisterDate uint64 Y f8
    32 CommercialType uint32 Y in:1,2,3
    33 FareType string Y V16
    34 State uint32 Y {STATE}
    35 Flag uint32 Y {FLAG}
    36 UpdateTime uint64 Y f14
    37 Reserved string N V256""", ordered=(("TransDateStart", "TransDateStop"),))

_declare("baseInfoVehicleInsurance", 0x1008, "/baseinfo/vehicleinsurance", BASE,
         "VehicleNo+InsurNum", "UpdateTime", f"""
    1 CompanyId string Y V32
    2 VehicleNo string Y plate
    3 InsurCom string Y V64
    4 InsurNum string Y V64
    5 InsurType string Y V32
    6 InsurCount float Y amount
    7 InsurEff uint64 Y f8
    8 InsurExp uint64 Y f8
    9 Flag uint32 Y {FLAG}
    10 UpdateTime uint64 Y f14
    11 Reserved string N V256""", ordered=(("InsurEff", "InsurExp"),))

_declare("baseInfoVehicleTotalMile", 0x1009, "/baseinfo/vehicletotalmile", BASE, "VehicleNo",
         "UpdateTime", f"""
    1 CompanyId string Y V32
    2 Address uint32 Y area
    3 VehicleNo string Y plate
    4 TotalMile float Y amount
    5 Flag uint32 Y {FLAG}
    6 UpdateTime uint64 Y f14
    7 Reserved string N V256""")

_declare("baseInfoDriver", 0x1010, "/baseinfo/driver", BASE, "LicenseId", "UpdateTime", f"""
    1 CompanyId string Y V32
    2 Address uint32 Y area
    3 DriverName string N V64
    4 DriverPhone string Y mobile
    5 DriverGender string Y V2
    6 DriverBirthday uint64 Y f8
    7 DriverNationality string N V32
    8 DriverNation string Y V32
    9 DriverMaritalStatus string N V64
    10 DriverLanguageLevel string N V64
    11 DriverEducation string N V64
    12 DriverCensus string N V256
    13 DriverAddress string N V256
    14 DriverContactAddress string Y V256
    15 PhotoId string N V128
    16 LicenseId string Y idno
    17 LicensePhotoId string N V128
    18 DriverType string N V16
    19 GetDriverLicenseDate uint64 Y f8
    20 DriverLicenseOn uint64 Y f8
    21 DriverLicenseOff uint64 Y f8
    22 TaxiDriver uint32 Y in:0,1
    23 CertificateNo string Y V128
    24 NetworkCarIssueOrganization string Y V256
    25 NetworkCarIssueDate uint64 Y f8
    26 GetNetworkCarProofDate uint64 Y f8
    27 NetworkCarProofOn uint64 Y f8
    28 NetworkCarProofOff uint64 Y f8
    29 RegisterDate uint64 Y f8
    30 FullTimeDriver uint32 N in:0,1
    31 InDriverBlacklist uint32 N in:0,1
    32 CommercialType uint32 Y in:1,2,3
    33 ContractCompany string Y V256
    34 ContractOn uint64 Y f8
    35 ContractOff uint64 Y f8
    36 EmergencyContact string N V64
    37 EmergencyContactPhone string N phone
    38 EmergencyContactAddress string N V256
    39 State uint32 Y {STATE}
    40 Flag uint32 Y {FLAG}
    41 UpdateTime uint64 Y f14
    42 Reserved string N V256""", ordered=(("DriverLicenseOn", "DriverLicenseOff"),
                                         ("NetworkCarProofOn", "NetworkCarProofOff"),
                                         ("ContractOn", "ContractOff")))

_declare("baseInfoDriverEducate", 0x1011, "/baseinfo/drivereducate", BASE,
         "LicenseId+CourseName+CourseDate+StartTime", "UpdateTime", f"""
    1 CompanyId string Y V32
    2 Address uint32 Y area
    3 LicenseId string Y idno
    4 CourseName string Y V256
    5 CourseDate uint64 Y f8
    6 StartTime string Y V8
    7 StopTime string Y V8
    8 Duration uint32 Y
    9 Flag uint32 Y {FLAG}
    10 UpdateTime uint64 Y f14
    11 Reserved string N V256""")

_declare("baseInfoDriverApp", 0x1012, "/baseinfo/driverapp", BASE, "LicenseId", "UpdateTime", f"""
    1 CompanyId string Y V32
    2 Address uint32 Y area
    3 LicenseId string Y idno
    4 DriverPhone string Y mobile
    5 NetType uint32 Y in:1,2,3,4
    6 AppVersion string Y V32
    7 MapType uint32 Y in:1,2,3
    8 State uint32 Y {STATE}
    9 Flag uint32 Y {FLAG}
    10 UpdateTime uint64 Y f14
    11 Reserved string N V256""")

_declare("baseInfoDriverStat", 0x1013, "/baseinfo/driverstat", BASE, "LicenseId+Cycle",
         "UpdateTime", f"""
    1 CompanyId string Y V32
    2 Address uint32 Y area
    3 LicenseId string Y idno
    4 Cycle uint64 Y ym
    5 OrderCount uint32 Y
    6 TrafficViolationCount uint32 Y
    7 ComplainedCount uint32 Y
    8 Flag uint32 Y {FLAG}
    9 UpdateTime uint64 Y f14
    10 Reserved string N V256""")

_declare("baseInfoPassenger", 0x1014, "/baseinfo/passenger", BASE, "PassengerPhone",
         "UpdateTime", f"""
    1 CompanyId string Y V32
    2 RegisterDate uint64 N f8
    3 PassengerPhone string Y phone
    4 PassengerName string N V64
    5 PassengerGender string N V2
    6 State uint32 Y {STATE}
    7 Flag uint32 Y {FLAG}
    8 UpdateTime uint64 Y f14
    9 Reserved string N V256""")

_declare("orderCreate", 0x2001, "/order/create", EVENT, "OrderId", "OrderTime", f"""
    1 CompanyId string Y V32
    2 Address uint32 Y area
    3 OrderId string Y V64
    4 DepartTime uint64 Y f14
    5 OrderTime uint64 Y f14
    6 PassengerNote string N V128
    7 Departure string Y V128
    8 DepLongitude uint64 Y lon
    9 DepLatitude uint64 Y lat
    10 Destination string Y V128
    11 DestLongitude uint64 Y lon
    12 DestLatitude uint64 Y lat
    13 Encrypt uint32 Y {ENCRYPT}
    14 FareType string Y V16
    15 Reserved string N V256""")

_declare("orderMatch", 0x2002, "/order/match", EVENT, "OrderId", "DistributeTime", f"""
    1 CompanyId string Y V32
    2 Address uint32 Y area
    3 OrderId string Y V64
    4 Longitude uint64 N lon
    5 Latitude uint64 N lat
    6 Encrypt uint32 Y {ENCRYPT}
    7 LicenseId string Y idno
    8 DriverPhone string Y mobile
    9 VehicleNo string Y plate
    10 DistributeTime uint64 Y f14
    11 Reserved string N V256""")

_declare("orderCancel", 0x2003, "/order/cancel", EVENT, "OrderId", "CancelTime", """
    1 CompanyId string Y V32
    2 Address uint32 Y area
    3 OrderId string Y V64
    4 OrderTime uint64 N f14
    5 CancelTime uint64 Y f14
    6 Operator string Y in:1,2,3
    7 CancelTypeCode string Y in:1,2,3,4,5
    8 CancelReason string N V256
    9 Reserved string N V256""", ordered=(("OrderTime", "CancelTime"),))

_declare("operateLogin", 0x3001, "/operate/login", EVENT, "VehicleNo+LoginTime", "LoginTime", f"""
    1 CompanyId string Y V32
    2 LicenseId string Y idno
    3 VehicleNo string Y plate
    4 LoginTime uint64 Y f14
    5 Longitude uint64 N lon
    6 Latitude uint64 N lat
    7 Encrypt uint32 Y {ENCRYPT}
    8 Reserved string N V256""")

_declare("operateLogout", 0x3002, "/operate/logout", EVENT, "VehicleNo+LogoutTime", "LogoutTime", f"""
    1 CompanyId string Y V32
    2 LicenseId string Y idno
    3 VehicleNo string Y plate
    4 LogoutTime uint64 Y f14
    5 Longitude uint64 N lon
    6 Latitude uint64 N lat
    7 Encrypt uint32 Y {ENCRYPT}
    8 Reserved string N V256""")

_declare("operateDepart", 0x3003, "/operate/depart", EVENT, "OrderId", "DepTime", f"""
    1 CompanyId string Y V32
    2 OrderId string Y V64
    3 LicenseId string Y idno
    4 FareType string Y V16
    5 VehicleNo string Y plate
    6 DepLongitude uint64 Y lon
    7 DepLatitude uint64 Y lat
    8 Encrypt uint32 Y {ENCRYPT}
    9 DepTime uint64 Y f14
    10 WaitMile float N amount
    11 WaitTime uint32 N
    12 Reserved string N V256""")

_declare("operateArrive", 0x3004, "/operate/arrive", EVENT, "OrderId", "DestTime", f"""
    1 CompanyId string Y V32
    2 OrderId string Y V64
    3 DestLongitude uint64 Y lon
    4 DestLatitude uint64 Y lat
    5 Encrypt uint32 Y {ENCRYPT}
    6 DestTime uint64 Y f14
    7 DriveMile float Y amount
    8 DriveTime uint32 Y
    9 Reserved string N V256""")

_declare("operatePay", 0x3005, "/operate/pay", EVENT, "OrderId", "DestTime", """
    1 CompanyId string Y V32
    2 OrderId string Y V64
    3 OnArea uint32 Y area
    4 DriverName string N V64
    5 LicenseId string Y idno
    6 FareType string Y V16
    7 VehicleNo string Y plate
    9 BookDepTime uint64 Y f14
    10 WaitTime uint32 N
    11 DepLongitude uint64 Y lon
    12 DepLatitude uint64 Y lat
    13 DepArea string N V128
    14 DepTime uint64 Y f14
    15 DestLongitude uint64 Y lon
    16 DestLatitude uint64 Y lat
    17 DestArea string N V128
    18 DestTime uint64 Y f14
    19 BookModel string N V64
    20 Model string N V64
    21 DriveMile float Y amount
    22 DriveTime uint32 Y
    23 WaitMile float N amount
    24 FactPrice float Y amount
    25 Price float N amount
    26 CashPrice float N amount
    27 LineName string N V64
    28 LinePrice float N amount
    29 PosName string N V64
    30 PosPrice float N amount
    31 BenfitPrice float N amount
    32 BookTip float N amount
    33 PassengerTip float N amount
    34 PeakUpPrice float N amount
    35 NightUpPrice float N amount
    36 FarUpPrice float Y amount
    37 OtherUpPrice float Y amount
    38 PayState string Y in:0,1,2
    39 PayTime uint64 N f14
    40 OrderMatchTime uint64 N f14
    41 InvoiceStatus string Y in:0,1,2
    42 Reserved string N V256""", ordered=(("DepTime", "DestTime"),))

_declare("positionDriver", 0x4001, "/position/driver", EVENT, "LicenseId+PositionTime",
         "PositionTime", f"""
    1 CompanyId string Y V32
    2 LicenseId string Y idno
    3 DriverRegionCode uint32 Y area
    4 VehicleNo string Y plate
    5 PositionTime uint64 Y ptime
    6 Longitude uint64 Y lon
    7 Latitude uint64 Y lat
    8 Encrypt uint32 N {ENCRYPT}
    9 Direction uint32 N range:0..359
    10 Elevation int32 N range:-500..9000
    11 Speed uint32 N range:0..300
    12 BizStatus uint32 N {BIZ_STATUS}
    13 OrderId string Y V64
    14 Reserved string N V256""")

_declare("positionVehicle", 0x4002, "/position/vehicle", EVENT, "VehicleNo+PositionTime",
         "PositionTime", f"""
    1 CompanyId string Y V32
    2 VehicleNo string Y plate
    3 VehicleRegionCode uint32 Y area
    4 PositionTime uint64 Y ptime
    5 Longitude uint64 Y lon
    6 Latitude uint64 Y lat
    7 Speed uint32 N range:0..300
    8 Direction uint32 N range:0..359
    9 Elevation int32 N range:-500..9000
    10 Mileage float N amount
    11 Encrypt uint32 N {ENCRYPT}
    12 WarnStatus uint32 N
    13 VehStatus uint32 N
    14 BizStatus uint32 N {BIZ_STATUS}
    15 OrderId string Y V64
    16 Reserved string N V256""")

_declare("ratedPassenger", 0x5001, "/rated/passenger", EVENT, "OrderId", "EvaluateTime", """
    1 CompanyId string Y V32
    2 OrderId string Y V64
    3 EvaluateTime uint64 Y f14
    4 ServiceScore uint32 Y range:1..5
    5 DriverScore uint32 N range:1..5
    6 VehicleScore uint32 N range:1..5
    7 Detail string N V256
    8 Reserved string N V256""")

_declare("ratedPassengerComplaint", 0x5002, "/rated/passengercomplaint", EVENT,
         "OrderId+ComplaintTime", "ComplaintTime", """
    1 CompanyId string Y V32
    2 OrderId string Y V64
    3 ComplaintTime uint64 Y f14
    4 Detail string Y V256
    5 Result string N V256
    6 Reserved string N V256""")

_declare("ratedDriverPunish", 0x5003, "/rated/driverpunish", EVENT, "LicenseId+PunishTime",
         "PunishTime", """
    1 CompanyId string Y V32
    2 LicenseId string Y idno
    3 PunishTime uint64 Y f14
    4 PunishReason string N V256
    5 PunishResult string Y V256
    6 Reserved string N V256""")

_declare("ratedDriver", 0x5004, "/rated/driver", EVENT, "LicenseId+TestDate", "TestDate", """
    1 CompanyId string Y V32
    2 LicenseId string Y idno
    3 Level uint32 Y range:1..5
    4 TestDate uint64 Y f8
    5 TestDepartment string Y V256
    6 Reserved string N V256""")

BY_URI: dict[str, Interface] = {interface.uri: interface for interface in CATALOGUE.values()}


# -- validating one record ------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Rejection:
    index: int
    field: str | None
    reason: str
    message: str
    message_en: str

    def to_json(self) -> dict:
        return dataclasses.asdict(self)


def _as_string(value) -> str:
    if type(value) is str:
        # PostgreSQL cannot store a NUL, a lone surrogate is not UTF-8, and the other control
        # characters hide text on a staff page (backend.common.text).
        if not is_plain(value, multiline=True):
            raise Invalid("characters", "不能包含控制字符或无效字符", "Control or invalid characters")
        return value.strip()
    if type(value) is bytes:  # a protobuf string field whose bytes are not UTF-8
        raise Invalid("encoding", "须为 UTF-8 编码的文本", "Must be UTF-8 text")
    raise Invalid("type", "须为字符串", "Must be a string")


def _as_integer(low: int, high: int) -> Callable:
    """Integers from ``low`` up to (not including) ``high``; JSON senders may quote them, as
    protobuf's own JSON mapping does for 64-bit ones."""
    def convert(value) -> int:
        if type(value) is not int:
            if type(value) is str and re.fullmatch(r"-?\d{1,20}", value.strip()):
                value = int(value)
            else:
                raise Invalid("type", "须为整数", "Must be an integer")
        if not low <= value < high:
            raise Invalid("type", f"须为 {low} 至 {high - 1} 的整数", f"Must be an integer from {low} to {high - 1}")
        return value
    return convert


def _as_float(value) -> float:
    if type(value) is float and math.isfinite(value):
        return value
    if type(value) is int:
        return float(value)
    if type(value) is str:
        try:
            value = float(value)
        except ValueError:
            raise Invalid("type", "须为数字", "Must be a number") from None
        if math.isfinite(value):
            return value
    raise Invalid("type", "须为数字", "Must be a number")


CONVERSIONS: dict[str, Callable] = {
    "string": _as_string, "float": _as_float, "uint32": _as_integer(0, 2**32),
    "uint64": _as_integer(0, 2**64), "int32": _as_integer(-(2**31), 2**31)}


def _compiled(field: Field) -> tuple[str, bool, Callable, Callable]:
    return field.name, field.required, CONVERSIONS[field.proto_type], checker(field.check)


_COMPILED = {name: tuple(map(_compiled, interface.fields)) for name, interface in CATALOGUE.items()}
_NAMES = {name: frozenset(f.name for f in interface.fields) for name, interface in CATALOGUE.items()}


def validate(interface: Interface, record, index: int) -> tuple[dict | None, Rejection | None]:
    """The normalised record, or why it is refused (the first problem found)."""
    if not isinstance(record, dict):
        return None, Rejection(index, None, "type", "每条记录须为一个对象", "Each record must be an object")
    out = {}
    for name, required, convert, check in _COMPILED[interface.ipc_type]:
        value = record.get(name)
        if value is None or value == "":
            if required:
                return None, Rejection(index, name, "required", "必填字段缺失", "A required field is missing")
            continue
        try:
            out[name] = check(convert(value))
        except Invalid as problem:
            return None, Rejection(index, name, problem.reason, problem.message, problem.message_en)
    if len(record) > len(out):
        unknown = sorted(set(record) - _NAMES[interface.ipc_type])
        if unknown:
            # The platform's own key, quoted and cut when it would not fit a name column.
            named = unknown[0] if is_plain(unknown[0]) and len(unknown[0]) <= 64 else ascii(unknown[0])[:64]
            return None, Rejection(index, named, "unknown_field", "规范中没有此字段（字段名区分大小写）",
                                   "The spec has no such field (names are case-sensitive)")
    for earlier, later in interface.ordered:
        if earlier in out and later in out and out[later] < out[earlier]:
            return None, Rejection(index, later, "order", f"不能早于 {earlier}",
                                   f"Must not be before {earlier}")
    return out, None
