"""Who is asking: every use-case that reads or writes on someone's behalf takes one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

Role = Literal["owner", "marketing", "admin"]
ROLES: tuple[str, ...] = get_args(Role)


@dataclass(frozen=True)
class Actor:
    """An API user or a page visitor, with the role that decides what it may see and do."""

    id: str
    role: str

    @property
    def is_owner(self) -> bool:
        return self.role == "owner"
