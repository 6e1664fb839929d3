"""The owner's *Send* click: their approved ask, over SMTP, from them, once.

The gates are read again first: never to a do-not-contact account or a revoked contact. The task
is claimed while the mail is in flight (two clicks send one mail); the Message-ID is derived from
the task, so a send retried after a crash is the same mail to the receiving systems.
"""

from __future__ import annotations

import smtplib
from datetime import timedelta
from typing import cast

from agent.bootstrap import Services
from agent.gating import gate_now
from agent.mail import Letter, send_letter, stable_message_id
from agent.usecases.results import TaskOut
from agent.usecases.tasks import TaskMovedOn, read_task, record_sent, visible_task
from domain.actors import Actor
from domain.errors import Conflict, Refused
from domain.lifecycle import send_blockers
from domain.vocabulary import AskKind
from store import tasks as store
from store.db import transaction
from store.models import OwnerTask


class SendingNotSet(Conflict):
    pass


class SendFailed(Conflict):
    pass


def send_task(*, services: Services, actor: Actor, task_id: str) -> TaskOut:
    """Send an open email task to its contact from the owner's address; the task becomes sent."""
    deps = services.deps
    url = deps.settings.smtp_url
    if not url:
        raise SendingNotSet(
            "sending is not set up (ADVOCACY_SMTP_URL): send it from your mail client and "
            "mark the task sent"
        )
    letter = _letter(services, actor, task_id)
    _check_gates(services, task_id)
    _claim(services, actor, task_id)
    try:
        send_letter(url, letter, timeout=deps.settings.delivery_timeout_seconds)
    except (OSError, smtplib.SMTPException) as error:
        with transaction(deps.session_factory) as session:
            store.release_task_claim(session=session, task_id=task_id)
        raise SendFailed(f"the mail server refused or failed: {error}; nothing was sent") from None
    now = deps.clock()
    with transaction(deps.session_factory) as session:
        task = visible_task(session=session, actor=actor, task_id=task_id)
        if not store.mark_sent(
            session=session, task_id=task_id, at=now, by=actor.id, message_id=letter.message_id
        ):
            raise TaskMovedOn(task, "sent")
        record_sent(session, task, now, actor.id, {"how": "smtp", "message_id": letter.message_id})
    return read_task(services=services, actor=actor, task_id=task_id)


def _letter(services: Services, actor: Actor, task_id: str) -> Letter:
    with services.deps.session_factory() as session:
        task = visible_task(session=session, actor=actor, task_id=task_id)
        if task.status != "open":
            raise TaskMovedOn(task, "sent")
        if task.channel != "email":
            raise Conflict(
                f"task {task_id} is a {task.channel} ask: make the call, then mark it sent"
            )
        owner = store.get_owner(session=session, owner_id=task.owner_id)
        contact = store.contacts_of(session=session, contact_ids=[task.contact_id or ""])
        person = contact.get(task.contact_id or "")
        if owner is None or not owner.email:
            raise Conflict(f"owner {task.owner_id} has no email address to send from")
        if person is None or not person.email:
            raise Conflict(f"task {task_id} has no contact with an email address")
        return _letter_of(task, owner.name, owner.email, person.name, person.email)


def _letter_of(task: OwnerTask, owner_name: str, owner_email: str, to_name: str, to: str) -> Letter:
    return Letter(
        sender_name=owner_name,
        sender=owner_email,
        reply_to=owner_email,
        to_name=to_name,
        to=to,
        subject=task.subject or f"A quick {task.ask_type.replace('_', ' ')} request",
        body=task.body,
        message_id=stable_message_id(task.id, owner_email),
    )


def _check_gates(services: Services, task_id: str) -> None:
    deps = services.deps
    now = deps.clock()
    with deps.session_factory() as session:
        task = store.get_task(session=session, task_id=task_id)
        assert task is not None
        gated = gate_now(
            session=session, settings=deps.settings, account_id=task.account_id, now=now
        )
    if gated is None:
        raise Refused(
            f"send of {task_id} refused: the account no longer exists", ["account_missing"]
        )
    ask_type = cast(AskKind, task.ask_type)
    own_reward = f"reward:{task.review_id}"  # agent/rewards.py: one row per review
    blockers = send_blockers(gated.snapshot, deps.settings.policy, now, ask_type, own_reward)
    if blockers:
        listed = ", ".join(blockers)
        raise Refused(
            f"send of {task_id} refused: the account is now held or stopped ({listed})", blockers
        )


def _claim(services: Services, actor: Actor, task_id: str) -> None:
    deps = services.deps
    now = deps.clock()
    lost_before = now - timedelta(seconds=deps.settings.claim_lease_seconds)
    with transaction(deps.session_factory) as session:
        if not store.claim_task_for_send(
            session=session, task_id=task_id, now=now, lost_before=lost_before
        ):
            task = visible_task(session=session, actor=actor, task_id=task_id)
            if task.status == "open":
                raise Conflict(f"task {task_id} is being sent right now; nothing changed")
            raise TaskMovedOn(task, "sent")
