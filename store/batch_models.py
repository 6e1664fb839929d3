"""A scan's batch jobs (the job queue's unit of a scan, and the in-process runner's): a table of
their own, so store/models.py stays the product's records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from store.base import Base, Json, _fk
from store.types import UTCDateTime


class ScanBatch(Base):
    """One batch job of a scan: its accounts, and how far it got (queued, gated, done).

    The scan's progress is the sum of its batches; the batch that finishes last finishes the scan.
    """

    __tablename__ = "scan_batches"
    scan_id: Mapped[str] = mapped_column(_fk("scans.id"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_ids: Mapped[list[str]] = mapped_column(Json, default=list)
    status: Mapped[str] = mapped_column(String(16))  # queued|gated|done
    counts: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    # Runs begun: more than one means a worker died with it (or it failed) and it ran again.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Its candidates to draft and drafted so far: the scan's drafting progress is their sum.
    to_draft: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    drafted: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
