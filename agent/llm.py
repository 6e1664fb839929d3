"""The chat model factory: built once in the composition root, passed to the writer.

No key and no base URL: no model at all (the offline template drafter writes instead).
"""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import Runnable
from langchain_openai import ChatOpenAI
from pydantic import BaseModel, SecretStr

from agent.settings import Settings

# Local OpenAI-compatible servers need no key, but the openai client refuses to start without one.
PLACEHOLDER_API_KEY = "not-needed"
TEMPERATURE = 0.2
METHOD_SETTING = "ADVOCACY_STRUCTURED_OUTPUT_METHOD"


def make_chat_model(
    settings: Settings,
    *,
    http_client: Any | None = None,
    http_async_client: Any | None = None,
) -> BaseChatModel | None:
    """A ChatOpenAI for the configured server, or None when no LLM is configured.

    `http_client`/`http_async_client` are `httpx.Client`/`httpx.AsyncClient` instances; tests
    inject them so respx can mock the wire (openai 3.x's own httpx2 clients are not mockable).
    Retries and timeouts live in the openai client only (bounded by the settings).
    """
    if not settings.llm_configured:
        return None
    key = settings.openai_api_key or SecretStr(PLACEHOLDER_API_KEY)
    return ChatOpenAI(
        model=settings.model,
        api_key=key,
        base_url=settings.openai_base_url,
        timeout=settings.llm_timeout_seconds,
        max_retries=settings.llm_max_retries,
        temperature=TEMPERATURE,
        # Some model names would otherwise route to /v1/responses, which many servers lack.
        use_responses_api=False,
        http_client=http_client,
        http_async_client=http_async_client,
        **_answer_limit(settings),
    )


def _answer_limit(settings: Settings) -> dict[str, Any]:
    """Bound each answer: a small model may otherwise write until its context is full.

    ChatOpenAI sends `max_tokens` as `max_completion_tokens`, which OpenAI wants; other
    OpenAI-compatible servers (llama.cpp, vLLM, Ollama) read `max_tokens` and ignore the other.
    """
    if settings.openai_base_url is None:
        return {"max_tokens": settings.llm_max_tokens}
    return {"extra_body": {"max_tokens": settings.llm_max_tokens}}


def structured(
    chat_model: BaseChatModel, schema: type[BaseModel], settings: Settings
) -> Runnable[Any, Any]:
    """`chat_model` answering with `schema`; with include_raw, parse failures come back as data.

    The result is a dict {"raw", "parsed", "parsing_error"}. (With json_schema the openai client
    parses on its side and raises pydantic errors instead; the writer handles both.)
    """
    return chat_model.with_structured_output(
        schema, method=settings.structured_output_method, include_raw=True
    )


def model_label(chat_model: BaseChatModel, settings: Settings) -> str:
    """The model name recorded as the author of a text."""
    name = getattr(chat_model, "model_name", None)
    return name if isinstance(name, str) and name else settings.model


# Servers and the structured output methods known to work with them (README, "Model servers").
KNOWN_METHODS = "OpenAI and vLLM: json_schema; Ollama: json_schema or json_mode; "
KNOWN_METHODS += "llama.cpp: function_calling or json_mode"


def method_refusal_warning(failures: list[list[str]], settings: Settings) -> str | None:
    """One line when most texts fell back because the server refused the structured output
    method (`failures`: the fallback reasons of each text written); else None."""
    refused = sum(any(METHOD_SETTING in reason for reason in reasons) for reasons in failures)
    if not failures or refused * 2 <= len(failures):
        return None
    return (
        f"warning: {refused} of {len(failures)} texts fell back to the offline template because "
        f"the model server refused structured output method "
        f"'{settings.structured_output_method}': set {METHOD_SETTING} to one the server supports "
        f"({KNOWN_METHODS})"
    )
