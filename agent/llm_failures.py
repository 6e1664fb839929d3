"""Why a model call failed, in words the log, the review and the model itself can read."""

from __future__ import annotations

import openai
from pydantic import ValidationError

from agent.llm import api_error_note
from agent.prompt_evidence import clip
from agent.settings import Settings


def api_failure_reason(error: openai.APIError, settings: Settings) -> str:
    """Why the API call failed, after the openai client's own bounded retries."""
    status = getattr(error, "status_code", None)
    reason = f"{type(error).__name__}" + (f" (HTTP {status})" if status else "")
    reason += f" after {1 + settings.llm_max_retries} attempt(s)"
    if isinstance(error, openai.APITimeoutError):
        reason += f", timeout {settings.llm_timeout_seconds}s each"
    # The server's own words, and the method hint only when they name the response format.
    return reason + api_error_note(error, settings)


def parse_failure_reason(error: Exception) -> str:
    """A short, model-readable reason why an answer could not be parsed or validated."""
    if isinstance(error, ValidationError):
        details = "; ".join(
            f"{'.'.join(str(part) for part in e['loc']) or 'answer'}: {e['msg']}"
            for e in error.errors()[:5]
        )
        return f"the answer did not match the schema: {details}"
    first_line = (str(error).splitlines() or [""])[0]
    return f"the answer could not be parsed ({type(error).__name__}): {clip(first_line, 300)}"
