"""Tables every domain shares."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base


class Counter(Base):
    """Named gapless counters (application numbers per day, certificate numbers, the chained
    logs' entry ids).

    Incremented with ``UPDATE … RETURNING`` so concurrent transactions queue on the row lock
    and a rolled-back transaction (or savepoint) gives its number back: no gaps, no duplicates.
    """

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    value: Mapped[int] = mapped_column(sa.BigInteger, default=0)
