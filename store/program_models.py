"""Programs, the rewards ledger and pilots (issue 12): their tables, on the models' `Base`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from store.base import Base, Json, _fk
from store.types import UTCDateTime


class Program(Base):
    """A program (domain/programs.py): its validated definition kept whole in `spec`."""

    __tablename__ = "programs"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    spec: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_by: Mapped[str | None] = mapped_column(String(64))


class Reward(Base):
    """A row of the rewards ledger: proposed -> approved -> fulfilled | cancelled."""

    __tablename__ = "rewards"
    __table_args__ = (Index("ix_rewards_account_status", "account_id", "status"),)
    id: Mapped[str] = mapped_column(String(220), primary_key=True)
    account_id: Mapped[str] = mapped_column(_fk("accounts.id"))
    contact_id: Mapped[str | None] = mapped_column(String(64), index=True)
    review_id: Mapped[str | None] = mapped_column(String(200), index=True)
    program_id: Mapped[str | None] = mapped_column(String(64))
    incentive_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # review | referral
    description: Mapped[str] = mapped_column(Text)
    disclosure: Mapped[str] = mapped_column(Text)
    value: Mapped[float] = mapped_column(Float)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by: Mapped[str | None] = mapped_column(String(64))


class Pilot(Base):
    """A pilot: a cohort of accounts over a period, reported against the seed thresholds."""

    __tablename__ = "pilots"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    segment: Mapped[str | None] = mapped_column(String(64))
    top_healthy: Mapped[int | None] = mapped_column(Integer)
    days: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    cohort: Mapped[list[str]] = mapped_column(Json, default=list)
    created_by: Mapped[str | None] = mapped_column(String(64))
