"""What a use-case raises when it cannot do what was asked; the API and the CLI map them once.

Each error's message is written for the person who asked; `details` are extra answer fields
(the API adds them to its JSON body, e.g. the `reasons` of a refused approval).
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """The request was not carried out, and nothing was written."""

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(DomainError):
    """No such object, or one the caller may not see (another owner's: never 'forbidden')."""


class Forbidden(DomainError):
    """The caller may see the object but not do this to it."""


class Invalid(DomainError):
    """The request itself is wrong: a field, a combination of fields, a cursor."""


class Conflict(DomainError):
    """The object's state does not allow it now (already decided, still being processed)."""


class Refused(Conflict):
    """The rules refuse it: the account is now held or stopped; `reasons` say why."""

    def __init__(self, message: str, reasons: list[str]) -> None:
        super().__init__(message, reasons=reasons)
        self.reasons = reasons


def not_found(what: str) -> NotFound:
    """`no <what>`, for a missing object and another owner's object alike."""
    return NotFound(f"no {what}")


def plain_message(message: str) -> str:
    """A validation message as a person writes it: without pydantic's "Value error, " or
    "Assertion failed, " prefix."""
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    return message
