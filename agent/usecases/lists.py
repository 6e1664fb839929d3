"""Saved candidate lists: marketing names a filter once ("referral-ready SMB healthcare") and
reads it again and again; each read re-evaluates it against the latest results, with the
reader's own visibility (an owner sees only their accounts in any list)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from agent.usecases.candidate_list import CandidateFilters, checked_query
from domain.actors import Actor
from domain.errors import Conflict, Forbidden, not_found
from store.db import transaction
from store.lists import add_list, all_lists, list_named, remove_list
from store.models import CandidateList

SessionFactory = sessionmaker[Session]
LIST_EDITORS = frozenset({"marketing", "admin"})
ListName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=r"^[^\x00]*$"),
]


class ListRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Referral-ready SMB healthcare",
                    "filters": {"segment": "smb", "industry": "healthcare", "eligible": "referral"},
                }
            ]
        },
    )
    name: ListName
    filters: CandidateFilters = Field(default_factory=CandidateFilters)


class ListOut(BaseModel):
    list_id: str
    name: str
    filters: dict[str, object]
    created_by: str
    created_at: datetime
    href: str = Field(description="The list's candidates, re-evaluated now.")
    csv_href: str


def list_view(saved: CandidateList) -> ListOut:
    return ListOut(
        list_id=saved.id,
        name=saved.name,
        filters=dict(saved.filters),
        created_by=saved.created_by,
        created_at=saved.created_at,
        href=f"/v1/lists/{saved.id}/candidates",
        csv_href=f"/v1/lists/{saved.id}/candidates.csv",
    )


def create_list(
    *, session_factory: SessionFactory, actor: Actor, request: ListRequest, now: datetime
) -> ListOut:
    """Save a list in its own transaction; a name taken meanwhile is a Conflict too."""
    try:
        with transaction(session_factory) as session:
            return save_list(session=session, actor=actor, request=request, now=now)
    except IntegrityError:
        raise Conflict(f"a list named {request.name!r} exists already") from None


def drop_list(*, session_factory: SessionFactory, actor: Actor, key: str) -> None:
    with transaction(session_factory) as session:
        delete_list(session=session, actor=actor, key=key)


def save_list(*, session: Session, actor: Actor, request: ListRequest, now: datetime) -> ListOut:
    """Save the filters under a new name (marketing, admin); they are checked like a read."""
    if actor.role not in LIST_EDITORS:
        raise Forbidden(f"the {actor.role} role may not save lists")
    query = checked_query(session=session, actor=actor, filters=request.filters)
    # Stored as the data spells them, so the list reads the same whatever was typed.
    filters = request.filters.model_copy(
        update={"segment": query.segment, "industry": query.industry}
    )
    if list_named(session, request.name) is not None:
        raise Conflict(f"a list named {request.name!r} exists already")
    saved = add_list(
        session,
        list_id=f"ls-{uuid.uuid4().hex[:10]}",
        name=request.name,
        filters=filters.given(),
        by=actor.id,
        now=now,
    )
    session.flush()
    return list_view(saved)


def saved_lists(*, session: Session) -> list[ListOut]:
    return [list_view(saved) for saved in all_lists(session)]


def find_list(*, session: Session, key: str) -> CandidateList:
    """A list by id, or by name (any case): the CLI lets people type the name."""
    saved = session.get(CandidateList, key) or list_named(session, key)
    if saved is None:
        raise not_found(f"list {key}")
    return saved


def list_filters(*, session: Session, key: str) -> CandidateFilters:
    return CandidateFilters.model_validate(find_list(session=session, key=key).filters)


def delete_list(*, session: Session, actor: Actor, key: str) -> None:
    if actor.role not in LIST_EDITORS:
        raise Forbidden(f"the {actor.role} role may not delete lists")
    remove_list(session, find_list(session=session, key=key).id)
