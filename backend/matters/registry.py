"""The matter registry: what each matter needs and does, declared once by its handler.

A handler is a class in a domain's ``operations`` module, registered with :func:`handles`::

    @handles("driver-cert-renew", rules=DRIVER_RULES, channels=ALL_CHANNELS, mailed=True)
    class DriverRenew(Handler):
        ...

The app, the kiosk and the console ask the registry which matters a person may apply for on
which channel, which rules a matter checks, who applies (a person or a company) and whether its
certificate goes by post. Handler modules are found by :func:`discover` (each domain's
``operations`` and the other modules in ``REGISTERING``), not from a list kept by hand; :func:`check_catalogue` refuses to start with a handler for a code the catalogue
does not know.
"""

from __future__ import annotations

import enum
import importlib
import pkgutil
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, ClassVar

from backend.errors import ApiError

if TYPE_CHECKING:
    from backend.identity.models import Person
    from backend.licensing.models import Application
    from backend.verification.sources import Question


class Channel(enum.StrEnum):
    APP = "app"
    KIOSK = "kiosk"
    COUNTER = "counter"


class Applicant(enum.StrEnum):
    PERSON = "person"
    COMPANY = "company"


ALL_CHANNELS = (Channel.APP, Channel.KIOSK, Channel.COUNTER)
APP_AND_COUNTER = (Channel.APP, Channel.COUNTER)


class Handler:
    """How one matter is applied for and decided. Subclasses override what they need.

    The applicant given to ``precondition``, ``prepare`` and ``open_key`` is the signed-in
    person, or, for a company's matter (``applicant=Applicant.COMPANY``), the company.

    The engine (``backend.licensing.operations``) calls, for a new application: ``prepare``
    (check the request against the person's situation; the stored inputs), then asks the
    sources ``questions`` and evaluates ``rules_for`` its inputs (reading only), then adds the
    application and settles it: any rule failing rejects, any unknown goes to a clerk, all
    passing calls ``approve``. A matter with no rules is decided by ``approve`` at once. A
    ``to_clerk`` matter (即办: a clerk decides on the spot) waits for the clerk instead of
    ``approve``, with its checks' results in front of them; the clerk's approval calls
    ``approve``.

    ``approve`` is plain SQLAlchemy: add rows, change objects, use relationships. A new
    application is written (and numbered) at the flush that ends the decision; flush first
    where its id or number is needed.
    """

    code: ClassVar[str]
    rules: ClassVar[tuple[str, ...]] = ()
    applicant: ClassVar[Applicant] = Applicant.PERSON
    channels: ClassVar[tuple[Channel, ...]] = ()
    mailed: ClassVar[bool] = False
    to_clerk: ClassVar[bool] = False
    to_clerk_reason: ClassVar[str] = "已转窗口工作人员即时办理"

    def precondition(self, person: Person) -> None:
        """Refuse (an ``ApiError``) when the person cannot apply for this matter at all now."""

    def prepare(self, person: Person, body: dict) -> dict:
        """The application's stored inputs, from the request; refuse what cannot be applied for."""
        self.precondition(person)
        return {}

    def open_key(self, person: Person, inputs: dict) -> str:
        """What at most one open application may be about (default: this person, this matter)."""
        return f"{self.code}:{person.id}"

    def questions(self, application: Application) -> list[Question]:
        """What the sources are asked for the rules."""
        return []

    def rules_for(self, inputs: dict) -> tuple[str, ...]:
        """The rules this application checks: all of ``rules`` unless what is applied for
        leaves some with nothing to check (a change of name checks the name only)."""
        return self.rules

    def approve(self, application: Application, actor: str) -> None:
        """What passing every rule, or a clerk's approval, does."""
        raise ApiError(422, "此事项不能在此作出决定。", "This matter is not decided here.")

    def progress(self, application: Application) -> dict | None:
        """The matter's own steps as the applicant sees them (None: its history says it all)."""
        return None

    @property
    def approvable(self) -> bool:
        return type(self).approve is not Handler.approve


HANDLERS: dict[str, Handler] = {}


def handles(*codes: str, rules: Iterable[str] = (), channels: Iterable[Channel] = (),
            applicant: Applicant = Applicant.PERSON, mailed: bool = False,
            to_clerk: bool = False) -> Callable[[type[Handler]], type[Handler]]:
    """Register the decorated ``Handler`` subclass for each of ``codes``."""

    def register(cls: type[Handler]) -> type[Handler]:
        for code in codes:
            if code in HANDLERS:
                raise RuntimeError(f"matter {code} has two handlers")
            spec = type(cls.__name__, (cls,), {
                "code": code, "rules": tuple(rules), "channels": tuple(channels),
                "applicant": applicant, "mailed": mailed, "to_clerk": to_clerk})
            HANDLERS[code] = spec()
        return cls

    return register


def handler_for(code: str) -> Handler | None:
    return HANDLERS.get(code)


def offered(code: str, channel: Channel) -> bool:
    handler = HANDLERS.get(code)
    return handler is not None and channel in handler.channels


def matters_on(channel: Channel) -> list[str]:
    """The codes applied for on ``channel``, in registration order."""
    return [code for code, handler in HANDLERS.items() if channel in handler.channels]


#: The modules of a domain package that register something on import: tables, mirror readers
#: and import contracts of sources, rules, matter handlers.
REGISTERING = ("models", "sources", "imports", "rules", "operations")


def discover(package: str = "backend") -> None:
    """Import every domain's registering modules (``REGISTERING``), wherever they exist."""
    root = importlib.import_module(package)
    for module in pkgutil.iter_modules(root.__path__):
        if not module.ispkg:
            continue
        for part in REGISTERING:
            name = f"{package}.{module.name}.{part}"
            if importlib.util.find_spec(name) is not None:
                importlib.import_module(name)


def check_catalogue(codes: Iterable[str]) -> None:
    """Refuse a handler for a matter the catalogue does not have (a typo would otherwise only
    show when somebody applied)."""
    unknown = sorted(set(HANDLERS) - set(codes))
    if unknown:
        raise RuntimeError(f"handlers registered for matters not in the catalogue: {unknown}")


def why_not(person: Person, code: str) -> ApiError | None:
    """Why ``person`` cannot apply for ``code`` now (the refusal applying would give), or None."""
    handler = HANDLERS[code]
    try:
        handler.precondition(person)
    except ApiError as refusal:
        return refusal
    if type(handler).open_key is not Handler.open_key:  # (about something the request names)
        return None
    from backend.licensing.operations import open_application_error

    return open_application_error(handler.open_key(person, {}))
