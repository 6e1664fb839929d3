"""Deliver stored notifications to owners: email (ADVOCACY_SMTP_URL) and/or a Slack-compatible
webhook (ADVOCACY_NOTIFY_WEBHOOK_URL).

A notification is stored first, by the timer, and delivered after: a mail server or webhook that
is down never stops a timer step; the failed channel is retried later with a growing pause, and
a channel that succeeded is not tried again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx

from agent.deps import Deps
from agent.mail import Letter, send_letter, stable_message_id
from store import notifications as store
from store.db import transaction
from store.models import Notification, Owner

DELIVERY_BATCH = 100
MAX_PAUSE = timedelta(hours=6)


@dataclass(frozen=True)
class Delivered:
    delivered: int = 0
    failed: int = 0


def retry_pause(attempts: int) -> timedelta:
    """1, 2, 4, ... minutes after each failed attempt, at most six hours."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_PAUSE)


def delivery_configured(deps: Deps) -> bool:
    return bool(deps.settings.smtp_url or deps.settings.notify_webhook_url)


def deliver_due(deps: Deps, now: datetime) -> Delivered:
    """Try every notification due for delivery once; never raises for a failed channel."""
    if not delivery_configured(deps):
        return Delivered()
    lost_before = now - timedelta(seconds=deps.settings.claim_lease_seconds)
    with transaction(deps.session_factory) as session:
        ids = store.claim_deliveries(
            session=session, now=now, lost_before=lost_before, limit=DELIVERY_BATCH
        )
    results = [_deliver_one(deps, notification_id, now) for notification_id in ids]
    return Delivered(delivered=sum(results), failed=len(results) - sum(results))


def _deliver_one(deps: Deps, notification_id: str, now: datetime) -> bool:
    with deps.session_factory() as session:
        notification = session.get(Notification, notification_id)
        assert notification is not None
        recipient = session.get(Owner, notification.recipient_id)
        email = recipient.email if recipient else None
        name = recipient.name if recipient else notification.recipient_id
        done = set(notification.channels)
        senders = _senders(deps, notification, name, email)
    succeeded, errors = [], []
    for channel, send in senders.items():
        if channel in done:
            continue
        try:
            send()
            succeeded.append(channel)
        except (OSError, httpx.HTTPError, ValueError) as error:
            errors.append(f"{channel}: {error}")
    if not senders:
        errors.append("no channel reaches this recipient (no email address, no webhook)")
    with transaction(deps.session_factory) as session:
        attempts = (session.get(Notification, notification_id) or notification).attempts + 1
        store.finish_delivery(
            session=session,
            notification_id=notification_id,
            at=now,
            channels=succeeded,
            error="; ".join(errors) or None,
            retry_at=now + retry_pause(attempts),
        )
    return not errors


def _senders(
    deps: Deps, notification: Notification, name: str, email: str | None
) -> dict[str, Callable[[], None]]:
    settings = deps.settings
    senders: dict[str, Callable[[], None]] = {}
    smtp_url, webhook = settings.smtp_url, settings.notify_webhook_url
    timeout = settings.delivery_timeout_seconds
    if smtp_url and email:
        letter = _notice(notification, settings.mail_from, name, email)
        senders["email"] = lambda: send_letter(smtp_url, letter, timeout=timeout)
    if webhook:
        text = notification.text
        senders["webhook"] = lambda: _post_webhook(webhook, text, timeout)
    return senders


def _notice(notification: Notification, sender: str, name: str, to: str) -> Letter:
    kind = notification.kind.capitalize()
    return Letter(
        sender_name="Advocacy Agent",
        sender=sender,
        to_name=name,
        to=to,
        subject=f"{kind}: {notification.text.splitlines()[0][:120]}",
        body=notification.text,
        message_id=stable_message_id(notification.id, sender),
    )


def _post_webhook(url: str, text: str, timeout: float) -> None:
    """Slack-compatible: `{"text": ...}`; any non-2xx answer is a failed attempt."""
    response = httpx.post(url, json={"text": text}, timeout=timeout)
    response.raise_for_status()
