"""A platform simulator: one realistic day of ride-hailing in Xiamen, as platforms report it.

``simulate_day`` makes, for each platform, the base information (company, permit, fare, vehicles,
insurance, drivers, driver apps) and a day of trips: drivers log in, cruise, take orders from
create to match, pick-up, drop-off and payment, are rated and sometimes complained about, and
log out; their vehicles report a position every 10–30 s while online. Places and routes are in
Xiamen's six districts (3502xx), coordinates GCJ-02 in 1e-6 degrees; fares follow the platform's
own fare scheme.

A configurable share of the fleet is unlicensed (no certificate in the city's register) and a
configurable share of records carries the defects MOT spot checks found (regulatory.md §3.2):
trips missing their pick-up, drop-off or payment record, zero drive time, epoch-zero pay times,
payments for orders never created, positions sent hours late, and orders served by a driver or
vehicle the platform never reported. Everything follows from the seed: the same settings give
the same records.

``send_day`` signs each batch like a platform does and posts it to the real intake, alternately
as JSON and as protobuf, either in-process (the app's WSGI interface, no server needed) or over
HTTP to ``--url``.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import hashlib
import json
import math
import random
import secrets
import time
from collections.abc import Iterator

import requests
import sqlalchemy as sa
from stdnum.cn import ric

from backend.db import db
from backend.devices.keys import signature, string_to_sign
from backend.supervision import intake
from backend.supervision.interfaces import CATALOGUE
from backend.supervision.ipc import envelope_bytes

XIAMEN_TZ = dt.timezone(dt.timedelta(hours=8))
GCJ02 = 1

# Xiamen's districts (GB/T 2260) and the places trips start and end at (GCJ-02, degrees).
DISTRICTS = {"350203": "思明区", "350205": "海沧区", "350206": "湖里区", "350211": "集美区",
             "350212": "同安区", "350213": "翔安区"}
PLACES = [
    ("厦门站", "350203", 118.1163, 24.4686), ("中山路步行街", "350203", 118.0815, 24.4563),
    ("厦门大学", "350203", 118.0983, 24.4376), ("会展中心", "350203", 118.1874, 24.4704),
    ("软件园二期", "350203", 118.1859, 24.4920), ("SM城市广场", "350206", 118.1283, 24.5035),
    ("高崎国际机场T3", "350206", 118.1332, 24.5370), ("五缘湾湿地公园", "350206", 118.1781, 24.5226),
    ("湖里万达广场", "350206", 118.1754, 24.5061), ("海沧万达广场", "350205", 118.0405, 24.4884),
    ("海沧区政府", "350205", 118.0332, 24.4845), ("厦门北站", "350211", 118.0733, 24.6368),
    ("集美学村", "350211", 118.1043, 24.5843), ("园博苑", "350211", 118.0689, 24.6008),
    ("同安影视城", "350212", 118.1591, 24.7430), ("同安区政府", "350212", 118.1524, 24.7231),
    ("翔安区政府", "350213", 118.2473, 24.6184), ("厦门大学翔安校区", "350213", 118.3050, 24.6097),
]
# Where a trip goes: the island's places attract most trips.
PLACE_WEIGHTS = [8, 6, 5, 4, 6, 6, 7, 3, 4, 3, 2, 6, 3, 2, 1, 2, 2, 2]
# Orders per hour of the day, relative (morning and evening peaks, quiet nights).
HOURLY_DEMAND = [2, 1, 1, 1, 1, 2, 5, 9, 10, 7, 6, 6, 7, 6, 6, 6, 7, 10, 10, 8, 7, 6, 5, 3]

# The defects a share of records carries (README: The platform simulator).
DEFECTS = ("missing_depart", "missing_arrive", "missing_pay", "zero_drive_time", "epoch_pay_time",
           "pay_without_order", "late_positions", "unreported_vehicle")


@dataclasses.dataclass(frozen=True)
class Platform:
    """A platform to simulate: its ministry CompanyId and its register code."""

    company_id: str
    code: str
    name: str
    uscc: str
    licence_number: str


@dataclasses.dataclass
class Vehicle:
    plate: str
    vin: str
    licensed: bool          # holds a transport certificate for this platform in the register
    certificate: str        # its number when licensed
    reported: bool = True   # in the platform's base information


@dataclasses.dataclass
class Driver:
    license_id: str         # the ID number, the driver's key in every record
    name: str
    phone: str
    licensed: bool
    certificate: str
    reported: bool = True


@dataclasses.dataclass
class Settings:
    day: dt.date
    vehicles: int = 30                   # per platform
    unlicensed_share: float = 0.1        # of vehicles, and of drivers
    defect_share: float = 0.02           # of the records each defect applies to
    seed: int = 2026
    position_interval: tuple[int, int] = (10, 30)   # seconds between a vehicle's positions
    upload_every: int = 60               # seconds: a platform uploads what it has once a minute


@dataclasses.dataclass
class Batch:
    """Records of one interface from one platform, sent together at ``sent_at`` (UTC)."""

    company_id: str
    ipc_type: str
    records: list[dict]
    sent_at: dt.datetime


# -- the fleet ----------------------------------------------------------------------------------

def rng_for(*parts) -> random.Random:
    """A generator seeded from the parts, the same in every process (``hash`` is salted)."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


SURNAMES = "陈林黄张李王吴刘蔡杨许郑谢洪郭邱曾廖赖徐周叶苏庄"
GIVEN = "伟明华建国志强文杰俊勇军平辉斌鹏涛海波丽芳敏静燕玲婷"
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


def fleet_for(platform: Platform, settings: Settings) -> tuple[list[Vehicle], list[Driver]]:
    """The platform's vehicles and their drivers (one each). The first ones are licensed, so the
    fleet is the same whatever the share; unlicensed ones come last."""
    rng = rng_for(settings.seed, "fleet", platform.company_id)
    licensed = settings.vehicles - round(settings.vehicles * settings.unlicensed_share)
    vehicles, drivers = [], []
    letter = PLATE_LETTERS[rng_for(platform.company_id).randrange(len(PLATE_LETTERS))]
    for n in range(settings.vehicles):
        # New-energy plates (闽D + D/F + five), distinct per platform by their fourth character.
        plate = f"闽D{rng.choice('DF')}{letter}{n:04d}"
        ok = n < licensed
        vehicles.append(Vehicle(plate=plate, vin=f"LSVM{letter}{n:012d}", licensed=ok,
                                certificate=f"SIMT{letter}{n:06d}" if ok else ""))
        # The unlicensed drivers overlap the unlicensed vehicles by half: some cars have an
        # unlicensed driver only, some an unlicensed car only, some both.
        ok = (n + (settings.vehicles - licensed) // 2) % settings.vehicles < licensed
        number = id_number(rng)
        name = "模拟" + rng.choice(SURNAMES) + rng.choice(GIVEN)
        drivers.append(Driver(license_id=number, name=name, phone=f"139{rng.randrange(10**7, 10**8)}",
                              licensed=ok, certificate=f"SIMD{number[-10:]}" if ok else ""))
    return vehicles, drivers


def id_number(rng: random.Random) -> str:
    """A well-formed resident ID number born 1968–2000 in a Xiamen district (python-stdnum
    checks the district existed at birth: some were created in 2003, so draw again)."""
    while True:
        birth = dt.date(1968, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 32))
        body = f"{rng.choice(list(DISTRICTS))}{birth:%Y%m%d}{rng.randrange(100, 999)}"
        number = body + ric.calc_check_digit(body)
        if ric.is_valid(number):
            return number


# -- time and place -----------------------------------------------------------------------------

def f14(moment: dt.datetime) -> int:
    return int(moment.astimezone(XIAMEN_TZ).strftime("%Y%m%d%H%M%S"))


def f8(day: dt.date) -> int:
    return int(day.strftime("%Y%m%d"))


def micro(degrees: float) -> int:
    return round(degrees * 1_000_000)


def km_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine), km."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def bearing(a: tuple[float, float], b: tuple[float, float]) -> int:
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    y = math.sin(lon2 - lon1) * math.cos(lat2)
    x = math.cos(lat1) * math.sin(lat2) - math.sin(lat1) * math.cos(lat2) * math.cos(lon2 - lon1)
    return round(math.degrees(math.atan2(y, x))) % 360


def near(rng: random.Random, place) -> tuple[str, str, tuple[float, float]]:
    """A point a few hundred metres around a place: (name, district, (lon, lat))."""
    name, district, lon, lat = place
    return name, district, (lon + rng.gauss(0, 0.004), lat + rng.gauss(0, 0.003))


def route(a: tuple[float, float], b: tuple[float, float]) -> list[tuple[float, float]]:
    """Roads are not straight: go along one axis, then the other (the corner at random)."""
    return [a, (b[0], a[1]), b] if (a[0] * 1e4) % 2 < 1 else [a, (a[0], b[1]), b]


def route_km(points: list[tuple[float, float]]) -> float:
    return sum(km_between(p, q) for p, q in zip(points, points[1:], strict=False))


def along(points: list[tuple[float, float]], share: float) -> tuple[float, float]:
    """The point ``share`` (0–1) of the way along a route."""
    total, target = route_km(points), route_km(points) * min(max(share, 0.0), 1.0)
    for p, q in zip(points, points[1:], strict=False):
        leg = km_between(p, q)
        if target <= leg and leg > 0:
            t = target / leg
            return (p[0] + (q[0] - p[0]) * t, p[1] + (q[1] - p[1]) * t)
        target -= leg
    return points[-1] if total else points[0]


# -- a vehicle's day ----------------------------------------------------------------------------

@dataclasses.dataclass
class Leg:
    """The vehicle moving along ``points`` from ``start`` to ``end`` (UTC)."""

    start: dt.datetime
    end: dt.datetime
    points: list[tuple[float, float]]
    biz_status: int                     # 1 carrying, 2 to the pick-up, 3 empty
    order_id: str = "0"


FARE = {"StartFare": 10.0, "StartMile": 3.0, "UnitPricePerMile": 2.3, "UnitPricePerMinute": 0.45,
        "UpPrice": 1.0, "UpPriceStartMile": 15.0, "PeakUnitPrice": 0.8, "PeakPriceStartMile": 0.0,
        "NightPricePerMile": 0.6, "NightPricePerMinute": 0.1}
PEAKS = ((7, 9), (17, 19))
COMPLAINTS = ["司机绕路", "车内有异味", "司机态度不好", "实际车辆与登记车辆不符", "多收费用"]


def fare_for(km: float, seconds: int, start: dt.datetime) -> dict:
    """The fare breakdown of a trip under the platform's scheme (FARE), in 元."""
    hour = start.astimezone(XIAMEN_TZ).hour
    minutes = seconds / 60
    base = FARE["StartFare"] + max(0.0, km - FARE["StartMile"]) * FARE["UnitPricePerMile"]
    base += minutes * FARE["UnitPricePerMinute"]
    peak = km * FARE["PeakUnitPrice"] if any(a <= hour < b for a, b in PEAKS) else 0.0
    night = (km * FARE["NightPricePerMile"] + minutes * FARE["NightPricePerMinute"]
             if hour >= 23 or hour < 5 else 0.0)
    far = max(0.0, km - FARE["UpPriceStartMile"]) * FARE["UpPrice"]
    return {"base": round(base, 2), "PeakUpPrice": round(peak, 2), "NightUpPrice": round(night, 2),
            "FarUpPrice": round(far, 2)}


class VehicleDay:
    """One vehicle's shift: its legs (for positions) and the records its trips produce."""

    def __init__(self, sim: DaySimulation, vehicle: Vehicle, driver: Driver, rng: random.Random):
        self.sim, self.vehicle, self.driver, self.rng = sim, vehicle, driver, rng
        self.legs: list[Leg] = []
        self.records: list[tuple[str, dict, dt.datetime]] = []   # (ipc_type, record, happened)

    def emit(self, ipc_type: str, record: dict, happened: dt.datetime) -> None:
        self.records.append((ipc_type, {"CompanyId": self.sim.platform.company_id, **record},
                             happened))

    def run(self, start: dt.datetime, end: dt.datetime) -> None:
        rng = self.rng
        _, _, here = near(rng, rng.choices(PLACES, PLACE_WEIGHTS)[0])
        self.emit("operateLogin", {"LicenseId": self.driver.license_id,
                                   "VehicleNo": self.vehicle.plate, "LoginTime": f14(start),
                                   "Longitude": micro(here[0]), "Latitude": micro(here[1]),
                                   "Encrypt": GCJ02}, start)
        now = start
        while True:
            idle = self.idle_seconds(now)
            if now + dt.timedelta(seconds=idle + 1800) > end:
                break
            wander = (here[0] + rng.gauss(0, 0.006), here[1] + rng.gauss(0, 0.005))
            self.legs.append(Leg(now, now + dt.timedelta(seconds=idle), [here, wander], 3))
            now, here = now + dt.timedelta(seconds=idle), wander
            now, here = self.trip(now, here)
        self.legs.append(Leg(now, end, [here, here], 3))
        self.emit("operateLogout", {"LicenseId": self.driver.license_id,
                                    "VehicleNo": self.vehicle.plate, "LogoutTime": f14(end),
                                    "Longitude": micro(here[0]), "Latitude": micro(here[1]),
                                    "Encrypt": GCJ02}, end)

    def idle_seconds(self, now: dt.datetime) -> int:
        demand = HOURLY_DEMAND[now.astimezone(XIAMEN_TZ).hour]
        return int(min(3600, max(60, self.rng.expovariate(demand / 3600.0))))

    def trip(self, now: dt.datetime, here: tuple[float, float]):
        """One order from create to payment (or cancellation); returns (time, place) after it."""
        rng, sim = self.rng, self.sim
        order_id = sim.next_order_id()
        pickup = (here[0] + rng.uniform(-0.012, 0.012), here[1] + rng.uniform(-0.01, 0.01))
        origin = min(PLACES, key=lambda p: km_between((p[2], p[3]), pickup))
        dest_name, dest_district, dest = near(rng, rng.choices(PLACES, PLACE_WEIGHTS)[0])
        created = now
        sim.order_created(self, order_id, created, origin, pickup, dest_name, dest)
        matched = created + dt.timedelta(seconds=rng.randint(3, 60))
        self.emit("orderMatch", {"Address": int(origin[1]), "OrderId": order_id,
                                 "Longitude": micro(here[0]), "Latitude": micro(here[1]),
                                 "Encrypt": GCJ02, "LicenseId": self.driver.license_id,
                                 "DriverPhone": self.driver.phone, "VehicleNo": self.vehicle.plate,
                                 "DistributeTime": f14(matched)}, matched)
        approach = route(here, pickup)
        approach_km = route_km(approach)
        at_pickup = matched + dt.timedelta(seconds=int(approach_km / rng.uniform(20, 30) * 3600) + 30)
        if rng.random() < 0.07:   # the passenger cancels while the car is on its way
            cancelled = matched + (at_pickup - matched) * rng.uniform(0.2, 0.9)
            self.legs.append(Leg(matched, cancelled, approach, 2, order_id))
            spot = along(approach, (cancelled - matched) / (at_pickup - matched))
            self.emit("orderCancel", {"Address": int(origin[1]), "OrderId": order_id,
                                      "OrderTime": f14(created), "CancelTime": f14(cancelled),
                                      "Operator": "1", "CancelTypeCode": "1",
                                      "CancelReason": "乘客行程有变"}, cancelled)
            return cancelled, spot
        self.legs.append(Leg(matched, at_pickup, approach, 2, order_id))
        wait = rng.randint(20, 240)
        departed = at_pickup + dt.timedelta(seconds=wait)
        self.legs.append(Leg(at_pickup, departed, [pickup, pickup], 2, order_id))
        path = route(pickup, dest)
        km = round(route_km(path), 2)
        hour = departed.astimezone(XIAMEN_TZ).hour
        speed = rng.uniform(18, 28) if any(a <= hour < b for a, b in PEAKS) else rng.uniform(25, 40)
        seconds = max(60, int(km / speed * 3600))
        arrived = departed + dt.timedelta(seconds=seconds)
        self.legs.append(Leg(departed, arrived, path, 1, order_id))
        trip = {"order_id": order_id, "origin": origin, "pickup": pickup, "dest": dest,
                "dest_district": dest_district, "created": created, "departed": departed,
                "arrived": arrived, "km": km, "seconds": seconds, "wait": wait,
                "wait_km": round(approach_km, 2)}
        self.completed(trip)
        return arrived + dt.timedelta(seconds=rng.randint(10, 120)), dest

    def completed(self, trip: dict) -> None:
        """Depart, arrive and pay records of a trip, and perhaps a rating and a complaint; the
        defects drop or spoil some of them."""
        rng, sim, order_id = self.rng, self.sim, trip["order_id"]
        common = {"OrderId": order_id, "LicenseId": self.driver.license_id,
                  "VehicleNo": self.vehicle.plate, "FareType": sim.fare_type}
        pickup, dest = trip["pickup"], trip["dest"]
        if not sim.defect("missing_depart"):
            self.emit("operateDepart", {**common, "DepLongitude": micro(pickup[0]),
                                        "DepLatitude": micro(pickup[1]), "Encrypt": GCJ02,
                                        "DepTime": f14(trip["departed"]), "WaitMile": trip["wait_km"],
                                        "WaitTime": trip["wait"]}, trip["departed"])
        drive_time = 0 if sim.defect("zero_drive_time") else trip["seconds"]
        if not sim.defect("missing_arrive"):
            self.emit("operateArrive", {"OrderId": order_id, "DestLongitude": micro(dest[0]),
                                        "DestLatitude": micro(dest[1]), "Encrypt": GCJ02,
                                        "DestTime": f14(trip["arrived"]), "DriveMile": trip["km"],
                                        "DriveTime": drive_time}, trip["arrived"])
        paid = trip["arrived"] + dt.timedelta(seconds=rng.randint(5, 300))
        if not sim.defect("missing_pay"):
            self.emit("operatePay", self.pay_record(trip, common, drive_time, paid), paid)
        if rng.random() < 0.45:
            rated = paid + dt.timedelta(minutes=rng.randint(1, 90))
            score = rng.choices([5, 4, 3, 2, 1], [70, 20, 6, 2, 2])[0]
            self.emit("ratedPassenger", {"OrderId": order_id, "EvaluateTime": f14(rated),
                                         "ServiceScore": score, "DriverScore": score,
                                         "VehicleScore": rng.choice([score, 5])}, rated)
        if rng.random() < 0.015:
            complained = paid + dt.timedelta(minutes=rng.randint(10, 300))
            self.emit("ratedPassengerComplaint", {"OrderId": order_id,
                                                  "ComplaintTime": f14(complained),
                                                  "Detail": rng.choice(COMPLAINTS)}, complained)

    def pay_record(self, trip: dict, common: dict, drive_time: int, paid: dt.datetime) -> dict:
        fare = fare_for(trip["km"], trip["seconds"], trip["departed"])
        price = round(fare["base"] + fare["PeakUpPrice"] + fare["NightUpPrice"] + fare["FarUpPrice"], 2)
        discount = round(min(price * 0.3, self.rng.choice([0, 0, 0, 3, 5])), 2)
        epoch = self.sim.defect("epoch_pay_time")
        return {**common, "OnArea": int(trip["origin"][1]), "DriverName": self.driver.name,
                "BookDepTime": f14(trip["created"]), "WaitTime": trip["wait"],
                "DepLongitude": micro(trip["pickup"][0]), "DepLatitude": micro(trip["pickup"][1]),
                "DepArea": DISTRICTS[trip["origin"][1]], "DepTime": f14(trip["departed"]),
                "DestLongitude": micro(trip["dest"][0]), "DestLatitude": micro(trip["dest"][1]),
                "DestArea": DISTRICTS[trip["dest_district"]], "DestTime": f14(trip["arrived"]),
                "DriveMile": trip["km"], "DriveTime": drive_time, "WaitMile": trip["wait_km"],
                "FactPrice": round(price - discount, 2), "Price": price, "CashPrice": 0.0,
                "LineName": "模拟支付", "LinePrice": round(price - discount, 2),
                "BenfitPrice": discount, "PeakUpPrice": fare["PeakUpPrice"],
                "NightUpPrice": fare["NightUpPrice"], "FarUpPrice": fare["FarUpPrice"],
                "OtherUpPrice": 0.0, "PayState": "1",
                "PayTime": 19700101080000 if epoch else f14(paid),
                "OrderMatchTime": f14(trip["arrived"]), "InvoiceStatus": "0"}

    def positions(self, interval: tuple[int, int]) -> Iterator[dict]:
        """A position every 10–30 s from login to logout, with speed and heading; between two
        legs (a pause after a drop-off) the car stands where the last leg ended."""
        mileage = self.rng.uniform(5_000, 90_000)
        moment, end = self.legs[0].start, self.legs[-1].end
        legs = iter(self.legs)
        leg = next(legs)
        while moment < end:
            while moment >= leg.end:
                mileage += route_km(leg.points)
                leg = next(legs, leg)
                if moment >= leg.end and leg is self.legs[-1]:
                    break
            seconds = (leg.end - leg.start).total_seconds()
            done = min(max((moment - leg.start).total_seconds() / seconds, 0.0), 1.0) if seconds else 1.0
            moving = leg.start <= moment < leg.end
            km = route_km(leg.points)
            point = along(leg.points, done)
            yield {"CompanyId": self.sim.platform.company_id, "VehicleNo": self.vehicle.plate,
                   "VehicleRegionCode": 350200, "PositionTime": int(moment.timestamp()),
                   "Longitude": micro(point[0]), "Latitude": micro(point[1]),
                   "Speed": round(km / seconds * 3600) if moving and seconds else 0,
                   "Direction": bearing(leg.points[0], leg.points[-1]), "Elevation": 10,
                   "Mileage": round(mileage + km * done, 2), "Encrypt": GCJ02,
                   "BizStatus": leg.biz_status if moving else 3,
                   "OrderId": leg.order_id if moving else "0"}
            moment += dt.timedelta(seconds=self.rng.randint(*interval))


# -- a platform's day ---------------------------------------------------------------------------

class DaySimulation:
    """One platform's day: base information, then every vehicle's shift."""

    def __init__(self, platform: Platform, settings: Settings):
        self.platform, self.settings = platform, settings
        self.rng = rng_for(settings.seed, settings.day, platform.company_id)
        self.defects = rng_for(settings.seed, settings.day, platform.company_id, "defects")
        self.vehicles, self.drivers = fleet_for(platform, settings)
        self.fare_type = f"{platform.code[:10].upper()}-STD"
        self.orders = 0
        self.records: list[tuple[str, dict, dt.datetime]] = []
        self.positions: list[dict] = []
        for vehicle, driver in zip(self.vehicles, self.drivers, strict=True):
            if self.defect("unreported_vehicle"):
                vehicle.reported = driver.reported = False

    def defect(self, kind: str) -> bool:
        return self.defects.random() < self.settings.defect_share

    def next_order_id(self) -> str:
        self.orders += 1
        return f"{self.platform.company_id[-6:]}{self.settings.day:%Y%m%d}{self.orders:06d}"

    def order_created(self, vehicle_day: VehicleDay, order_id: str, created: dt.datetime, origin,
                      pickup, dest_name: str, dest) -> None:
        if self.defect("pay_without_order"):
            return   # the platform never reports the order: its payment arrives alone
        vehicle_day.emit("orderCreate", {
            "Address": int(origin[1]), "OrderId": order_id, "DepartTime": f14(created),
            "OrderTime": f14(created), "Departure": f"{origin[0]}附近",
            "DepLongitude": micro(pickup[0]), "DepLatitude": micro(pickup[1]),
            "Destination": dest_name, "DestLongitude": micro(dest[0]),
            "DestLatitude": micro(dest[1]), "Encrypt": GCJ02, "FareType": self.fare_type}, created)

    def run(self) -> None:
        day_start = dt.datetime.combine(self.settings.day, dt.time(), XIAMEN_TZ)
        for vehicle, driver in zip(self.vehicles, self.drivers, strict=True):
            rng = rng_for(self.settings.seed, self.settings.day, vehicle.plate)
            if rng.random() < 0.08:
                continue   # a day off: no login, no positions
            start = day_start + dt.timedelta(hours=rng.choice([6, 7, 7, 8, 10, 14, 16, 17]),
                                             minutes=rng.randrange(60))
            end = min(start + dt.timedelta(hours=rng.uniform(5, 10)),
                      day_start + dt.timedelta(hours=23, minutes=59))
            shift = VehicleDay(self, vehicle, driver, rng)
            shift.run(start.astimezone(dt.UTC), end.astimezone(dt.UTC))
            self.records.extend(shift.records)
            self.positions.extend(shift.positions(self.settings.position_interval))

    def base_information(self) -> list[tuple[str, dict]]:
        """What the platform reports about itself, its fare, vehicles and drivers (Flag 1 add)."""
        p, day = self.platform, self.settings.day
        stamp = {"Flag": 1, "UpdateTime": f14(dt.datetime.combine(day, dt.time(), XIAMEN_TZ))}
        records = [
            ("baseInfoCompany", {"CompanyName": p.name, "Identifier": p.uscc, "Address": 350200,
                                 "BusinessScope": "网络预约出租汽车经营", "ContactAddress": "厦门市思明区（模拟）",
                                 "EconomicType": "有限责任公司", "RegCapital": "5000万元",
                                 "LegalName": "模拟法人", "LegalID": self.drivers[0].license_id,
                                 "LegalPhone": "05920000000", "State": 0, **stamp}),
            ("baseInfoCompanyPermit", {"Address": 350200, "Certificate": p.licence_number,
                                       "OperationArea": "厦门市", "OwnerName": p.name,
                                       "Organization": "厦门市交通运输局",
                                       "StartDate": f8(day - dt.timedelta(days=365)),
                                       "StopDate": f8(day + dt.timedelta(days=365)),
                                       "CertifyDate": f8(day - dt.timedelta(days=365)),
                                       "State": "0", **stamp}),
            ("baseInfoCompanyFare", {"Address": 350200, "FareType": self.fare_type,
                                     "FareTypeNote": "快车标准计价", "FareValidOn": f14(
                                         dt.datetime(day.year, 1, 1, tzinfo=XIAMEN_TZ)),
                                     "MorningPeakTimeOn": "0700", "MorningPeakTimeOff": "0900",
                                     "EveningPeakTimeOn": "1700", "EveningPeakTimeOff": "1900",
                                     **FARE, "State": 0, **stamp}),
        ]
        for vehicle, driver in zip(self.vehicles, self.drivers, strict=True):
            if vehicle.reported:
                records += [("baseInfoVehicle", self.vehicle_record(vehicle, stamp)),
                            ("baseInfoVehicleInsurance", self.insurance_record(vehicle, stamp)),
                            ("baseInfoDriver", self.driver_record(driver, stamp)),
                            ("baseInfoDriverApp", {"Address": 350200, "LicenseId": driver.license_id,
                                                   "DriverPhone": driver.phone, "NetType": 2,
                                                   "AppVersion": "5.2.1", "MapType": 2, "State": 0,
                                                   **stamp})]
        reported = sum(v.reported for v in self.vehicles)
        records.append(("baseInfoCompanyStat", {"VehicleNum": reported, "DriverNum": reported, **stamp}))
        return [(kind, {"CompanyId": p.company_id, **record}) for kind, record in records]

    def vehicle_record(self, vehicle: Vehicle, stamp: dict) -> dict:
        day = self.settings.day
        registered = day - dt.timedelta(days=400 + int(vehicle.vin[-3:]) % 700)
        return {"Address": 350200, "VehicleNo": vehicle.plate, "PlateColor": "5", "Seats": 5,
                "Brand": "比亚迪", "Model": "秦PLUS EV", "VehicleType": "小型轿车",
                "OwnerName": "模拟车主", "VehicleColor": "白", "EngineId": f"E{vehicle.vin[-8:]}",
                "VIN": vehicle.vin, "CertifyDateA": f8(registered), "FuelType": "C",
                "EngineDisplace": "0", "Certificate": vehicle.certificate,
                "TransAgency": "厦门市交通运输局", "TransArea": "厦门市",
                "TransDateStart": f8(registered + dt.timedelta(days=30)),
                "TransDateStop": f8(registered + dt.timedelta(days=30 + 365 * 6)),
                "CertifyDateB": f8(registered), "FixState": "1", "CheckState": "1",
                "FeePrintId": f"FP{vehicle.vin[-6:]}", "GPSBrand": "北斗星通", "GPSModel": "BD-100",
                "GPSInstallDate": f8(registered + dt.timedelta(days=20)),
                "RegisterDate": f8(registered + dt.timedelta(days=30)), "CommercialType": 1,
                "FareType": self.fare_type, "State": 0, **stamp}

    def insurance_record(self, vehicle: Vehicle, stamp: dict) -> dict:
        day = self.settings.day
        return {"VehicleNo": vehicle.plate, "InsurCom": "模拟财产保险厦门分公司",
                "InsurNum": f"PDAA{vehicle.vin[-10:]}", "InsurType": "营业用汽车损失保险及承运人责任险",
                "InsurCount": 1000000.0, "InsurEff": f8(day - dt.timedelta(days=100)),
                "InsurExp": f8(day + dt.timedelta(days=265)), **stamp}

    def driver_record(self, driver: Driver, stamp: dict) -> dict:
        day, number = self.settings.day, driver.license_id
        first = dt.date(int(number[6:10]) + 22, 6, 1)
        return {"Address": 350200, "DriverName": driver.name, "DriverPhone": driver.phone,
                "DriverGender": "1" if int(number[16]) % 2 else "2",
                "DriverBirthday": int(number[6:14]), "DriverNation": "01",
                "DriverContactAddress": "厦门市（模拟地址）", "LicenseId": number, "DriverType": "C1",
                "GetDriverLicenseDate": f8(first), "DriverLicenseOn": f8(first),
                "DriverLicenseOff": f8(dt.date(day.year + 4, 6, 1)), "TaxiDriver": 0,
                "CertificateNo": driver.certificate or "无",
                "NetworkCarIssueOrganization": "厦门市交通运输局",
                "NetworkCarIssueDate": f8(day - dt.timedelta(days=200)),
                "GetNetworkCarProofDate": f8(day - dt.timedelta(days=200)),
                "NetworkCarProofOn": f8(day - dt.timedelta(days=200)),
                "NetworkCarProofOff": f8(day + dt.timedelta(days=365 * 6 - 200)),
                "RegisterDate": f8(day - dt.timedelta(days=190)), "FullTimeDriver": 1,
                "InDriverBlacklist": 0, "CommercialType": 1, "ContractCompany": self.platform.name,
                "ContractOn": f8(day - dt.timedelta(days=190)),
                "ContractOff": f8(day + dt.timedelta(days=540)), "State": 0, **stamp}


# -- uploads ------------------------------------------------------------------------------------

LATE_BY = (2 * 3600, 6 * 3600)    # a late batch of positions arrives 2–6 hours after the fact


def batches_of(sim: DaySimulation) -> list[Batch]:
    """The day's uploads: base information at the start of the day, then everything else in
    the upload window after it happened (a few seconds' delay), positions hours late when the
    ``late_positions`` defect strikes."""
    day_start = dt.datetime.combine(sim.settings.day, dt.time(0, 0, 30), XIAMEN_TZ).astimezone(dt.UTC)
    rng = rng_for(sim.settings.seed, sim.settings.day, sim.platform.company_id, "uploads")
    upload_every = sim.settings.upload_every
    windows: dict[tuple[str, int], list[dict]] = {}

    def upload(ipc_type: str, record: dict, happened: float) -> None:
        sent = happened + rng.uniform(1, 15)
        windows.setdefault((ipc_type, int(sent // upload_every + 1) * upload_every), []).append(record)

    for ipc_type, record, happened in sim.records:
        upload(ipc_type, record, happened.timestamp())
    for position in sim.positions:
        late = rng.uniform(*LATE_BY) if sim.defect("late_positions") else 0
        upload("positionVehicle", position, position["PositionTime"] + late)
    base: dict[str, list[dict]] = {}
    for ipc_type, record in sim.base_information():
        base.setdefault(ipc_type, []).append(record)
    batches = [Batch(sim.platform.company_id, ipc_type, records, day_start)
               for ipc_type, records in base.items()]
    batches += [Batch(sim.platform.company_id, ipc_type, records,
                      dt.datetime.fromtimestamp(sent, dt.UTC))
                for (ipc_type, sent), records in windows.items()]
    return sorted(batches, key=lambda b: (b.sent_at, b.ipc_type != "orderCreate"))


def simulate_day(platforms: list[Platform], settings: Settings) -> list[Batch]:
    """Every platform's uploads for the day, in the order they are sent."""
    batches = []
    for platform in platforms:
        sim = DaySimulation(platform, settings)
        sim.run()
        batches += batches_of(sim)
    return sorted(batches, key=lambda b: b.sent_at)


# -- sending through the intake -----------------------------------------------------------------

@dataclasses.dataclass
class Tally:
    """What the intake answered: records accepted and rejected per interface, refused batches."""

    accepted: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    rejected: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    reasons: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    refused: list[str] = dataclasses.field(default_factory=list)   # status and message
    requests: int = 0

    def to_json(self) -> dict:
        return {"requests": self.requests, "accepted": dict(sorted(self.accepted.items())),
                "rejected": dict(sorted(self.rejected.items())),
                "rejected_by_reason": dict(sorted(self.reasons.items())), "refused": self.refused[:20],
                "refused_batches": len(self.refused)}


def encode(batch: Batch, protobuf: bool) -> tuple[bytes, str]:
    """The batch as a platform sends it: an ``OTIpc`` message, or the JSON envelope."""
    interface = CATALOGUE[batch.ipc_type]
    if protobuf:
        return envelope_bytes(batch.company_id, interface, batch.records), "application/x-protobuf"
    body = {"Source": "0", "CompanyId": batch.company_id, "IPCType": batch.ipc_type,
            batch.ipc_type: batch.records}
    return json.dumps(body, ensure_ascii=False).encode(), "application/json"


def signed_headers(company_id: str, secret: str, path: str, body: bytes, content_type: str) -> dict:
    timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
    return {"Content-Type": content_type, "X-Company-Id": company_id, "X-Timestamp": timestamp,
            "X-Nonce": nonce, "X-Signature": signature(
                secret, string_to_sign("POST", path, timestamp, nonce, body))}


def send_day(batches: list[Batch], secrets_by_company: dict[str, str], post) -> Tally:
    """Send every batch, alternately as JSON and protobuf, through ``post(path, body, headers,
    batch)`` → (status, JSON answer); count what the intake accepted and rejected."""
    tally = Tally()
    for n, batch in enumerate(batches):
        body, content_type = encode(batch, protobuf=n % 2 == 1)
        path = CATALOGUE[batch.ipc_type].path
        headers = signed_headers(batch.company_id, secrets_by_company[batch.company_id], path,
                                 body, content_type)
        status, answer = post(path, body, headers, batch)
        tally.requests += 1
        answer = answer if isinstance(answer, dict) else {}
        rejected = answer.get("rejected") or []
        if status >= 400 and not rejected:
            tally.refused.append(f"{batch.company_id} {batch.ipc_type}: {status} "
                                 f"{answer.get('message_en', answer)}")
            continue
        if rejected:
            tally.rejected[batch.ipc_type] += len(rejected)
        tally.accepted[batch.ipc_type] += int(answer.get("accepted") or 0)
        for rejection in rejected:
            tally.reasons[rejection.get("reason")] += 1
    return tally


def in_process(app, replay_clock: bool = True):
    """Post to the app itself through its WSGI interface (no server, no network).

    With ``replay_clock`` the intake takes each batch's simulated upload time as its time of
    receipt (``intake.REPLAYED_RECEIPT``, a WSGI environ key no HTTP client can set), so a simulated past day is stored as if it had been sent live
    (positions a minute old, not a day; rejections on the day they describe). Signatures are
    still checked against the real clock (``auth``): only the time of receipt is replayed."""
    client = app.test_client()

    def post(path, body, headers, batch):
        # A context of its own: the request's session and transaction are not the caller's.
        replayed = {intake.REPLAYED_RECEIPT: batch.sent_at} if replay_clock else {}
        with app.app_context():
            response = client.post(path, data=body, headers=headers, environ_overrides=replayed)
            return response.status_code, response.get_json(silent=True)
    return post


def over_http(url: str, timeout: float = 60.0):
    """Post to a running server at ``url`` (e.g. ``http://127.0.0.1:5000``)."""
    session = requests.Session()

    def post(path, body, headers, batch):
        response = session.post(url.rstrip("/") + path, data=body, headers=headers, timeout=timeout)
        try:
            return response.status_code, response.json()
        except ValueError:
            return response.status_code, {"body": response.text[:200]}
    return post


# -- a whole run: the platforms, their credentials, the sending ----------------------------------

def demo_platforms(day: dt.date, count: int) -> list[Platform]:
    """The first ``count`` platforms of the register (by code) that have a CompanyId and whose
    licence is in force on ``day``: the demo platforms on a demo database."""
    from backend.platforms.models import Platform as Registered

    rows = db.session.scalars(sa.select(Registered).where(Registered.company_id.is_not(None))
                              .order_by(Registered.code))
    return [Platform(p.company_id, p.code, p.name, p.uscc, p.licence_number)
            for p in rows if p.licensed_on(day)][:count]


def issue_credentials(platforms: list[Platform], actor: str) -> dict[str, str]:
    """New intake secrets for the simulated platforms (in-process: the simulator is the
    platform), CompanyId → secret."""
    from backend.platforms.models import Platform as Registered
    from backend.supervision.auth import issue_credentials as issue

    return {p.company_id: issue(db.session.get(Registered, p.code), actor=actor) for p in platforms}


def register_fleet(platform: Platform, settings: Settings, actor: str) -> int:
    """Enter the licensed part of the simulated fleet in the city's register, as the demo's
    licensing history: a driver certificate for each licensed driver and a transport
    certificate (for this platform) for each licensed vehicle. Already
    registered ones are left alone. Returns how many certificates were issued. (The owner of
    a simulated car is its driver.)"""
    from backend.certificates import operations as certificates
    from backend.certificates.models import Certificate, Kind
    from backend.identity.operations import register_or_update

    vehicles, drivers = fleet_for(platform, settings)
    issued = []
    # In force from the simulated day, issued at its first second (the history dual compliance
    # reads): the register then says nothing of the days before it, for which nothing was
    # simulated either.
    valid_from = settings.day
    issued_at = dt.datetime.combine(valid_from, dt.time(), XIAMEN_TZ).astimezone(dt.UTC)
    valid_until = valid_from + dt.timedelta(days=6 * 365)
    for vehicle, driver in zip(vehicles, drivers, strict=True):
        wanted = [(Kind.DRIVER, driver.certificate, {})] if driver.licensed else []
        if vehicle.licensed:
            wanted.append((Kind.TRANSPORT, vehicle.certificate,
                           {"plate": vehicle.plate, "platform_code": platform.code,
                            "valid_plate": vehicle.plate}))
        for kind, number, extra in wanted:
            if db.session.scalar(sa.select(Certificate.id).where(Certificate.kind == kind,
                                                                 Certificate.number == number)):
                continue
            holder = register_or_update(driver.license_id, driver.name, actor=actor,
                                        source="simulator")
            issued.append(certificates.issue(kind=kind, number=number, holder=holder, actor=actor,
                                             valid_from=valid_from, valid_until=valid_until,
                                             at=issued_at, **extra))
    db.session.flush()
    return len(issued)


def prepare(settings: Settings, platforms: int, url: str | None = None,
            credentials: list[dict] | None = None, register: bool = True):
    """What ``flask supervision simulate`` needs before it sends: the first ``platforms`` demo
    platforms, their secrets and how to post. In-process, the simulated fleet's licensed part is
    entered in the register (``register``) and each platform gets a new intake secret; the
    caller commits these before the first batch is sent (the intake reads them in its own
    transactions). Over HTTP the secrets come from ``credentials`` (the objects ``flask
    supervision credentials`` prints)."""
    from flask import current_app

    chosen = demo_platforms(settings.day, platforms)
    if url:
        secrets_by_company = {c["company_id"]: c["secret"] for c in credentials or []}
        chosen = [p for p in chosen if p.company_id in secrets_by_company]
        post = over_http(url)
    else:
        if register:
            for platform in chosen:
                register_fleet(platform, settings, actor="simulator")
        secrets_by_company = issue_credentials(chosen, actor="simulator")
        post = in_process(current_app._get_current_object())
    if not chosen:
        raise LookupError("no platform to simulate: the register has none with a CompanyId and a "
                          "licence in force on that day (or no credentials were given for one)")
    return chosen, secrets_by_company, post


def simulate_and_send(platforms: list[Platform], settings: Settings, secrets_by_company: dict,
                      post) -> dict:
    """Simulate the day for the platforms and send it through the intake; what was answered."""
    tally = send_day(simulate_day(platforms, settings), secrets_by_company, post)
    return {"day": settings.day.isoformat(), "platforms": [p.code for p in platforms],
            **tally.to_json()}
