"""Opaque cursors: the last row's sort key, base64url JSON. A bad cursor is a 422."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from domain.errors import Invalid


def encode_cursor(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise Invalid("cursor: not a cursor this API returned") from None
    if not isinstance(value, dict):
        raise Invalid("cursor: not a cursor this API returned")
    return value
