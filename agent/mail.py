"""Email over SMTP (`ADVOCACY_SMTP_URL`): the owner's approved ask, and notices to owners.

Only two callers send: the owner's *Send* click on their task, and the timers' notices to
owners. Nothing here decides whether to send.
"""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr
from urllib.parse import parse_qs, unquote, urlsplit

from domain.errors import Invalid

DEFAULT_PORTS = {"smtp": 25, "smtps": 465}


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    tls: bool = False
    starttls: bool = False
    user: str | None = None
    password: str | None = None


def smtp_target(url: str) -> SmtpTarget:
    """`smtp://[user:password@]host[:port][?starttls=1]` or `smtps://...`; Invalid otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise Invalid("ADVOCACY_SMTP_URL: expected smtp://host[:port] or smtps://host[:port]")
    query = parse_qs(parts.query)
    return SmtpTarget(
        host=parts.hostname,
        port=parts.port or DEFAULT_PORTS[parts.scheme],
        tls=parts.scheme == "smtps",
        starttls=query.get("starttls", ["0"])[0] in ("1", "true", "yes"),
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def stable_message_id(key: str, sender: str) -> str:
    """The same Message-ID for the same task: a send retried after a crash is the same mail,
    which mail systems deliver once."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    domain = sender.rpartition("@")[2] or "advocacy.invalid"
    return f"<{digest}@{domain}>"


@dataclass(frozen=True)
class Letter:
    sender_name: str
    sender: str
    to_name: str
    to: str
    subject: str
    body: str
    message_id: str
    reply_to: str | None = None


def message_of(letter: Letter) -> EmailMessage:
    message = EmailMessage()
    message["From"] = formataddr((letter.sender_name, letter.sender))
    message["To"] = formataddr((letter.to_name, letter.to))
    if letter.reply_to:
        message["Reply-To"] = letter.reply_to
    message["Subject"] = letter.subject
    message["Message-ID"] = letter.message_id
    message.set_content(letter.body)
    return message


def send_letter(url: str, letter: Letter, *, timeout: float) -> None:
    """Hand the letter to the SMTP server; raises OSError or smtplib.SMTPException on failure."""
    target = smtp_target(url)
    message = message_of(letter)
    if target.tls:
        context = ssl.create_default_context()
        with smtplib.SMTP_SSL(target.host, target.port, timeout=timeout, context=context) as s:
            _deliver(s, target, message)
        return
    with smtplib.SMTP(target.host, target.port, timeout=timeout) as server:
        if target.starttls:
            server.starttls(context=ssl.create_default_context())
        _deliver(server, target, message)


def _deliver(server: smtplib.SMTP, target: SmtpTarget, message: EmailMessage) -> None:
    if target.user:
        server.login(target.user, target.password or "")
    server.send_message(message)
