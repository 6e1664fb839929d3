"""The chat model factory: built once in the composition root, passed to the writer.

No key and no base URL: no model at all (the offline template drafter writes instead).
"""

from __future__ import annotations

import json
import re
from typing import Any, cast

import openai
from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import Runnable
from langchain_openai import ChatOpenAI
from langchain_openai.chat_models.base import BaseChatOpenAI
from openai.lib._parsing import type_to_response_format_param
from pydantic import BaseModel, SecretStr

from agent.llm_wire import WireCall
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


class StructuredCall:
    """`chat_model` answering with `schema`: one model call, then the schema's parser.

    `invoke(messages)` returns {"raw", "parsed", "parsing_error"} like LangChain's
    `with_structured_output(..., include_raw=True)`, whose RunnableParallel submits every call
    to a new thread pool task (a fifth of a scan's CPU); here the two steps simply run in turn.
    With json_schema on ChatOpenAI the request goes straight through its openai client
    (agent/llm_wire.py: the same request, a third of the CPU), its response_format built once,
    and the answer is validated here; the other methods keep LangChain's model and parsers.
    """

    def __init__(self, chat_model: BaseChatModel, schema: type[BaseModel], settings: Settings):
        method = settings.structured_output_method
        self._schema = schema
        self._parsers: list[Runnable[Any, Any]] = []
        self._model: Runnable[Any, Any] | WireCall
        if method == "json_schema":
            response_format = type_to_response_format_param(schema)
            if isinstance(chat_model, BaseChatOpenAI):
                self._model = WireCall(chat_model, cast(dict[str, Any], response_format))
            else:
                self._model = chat_model.bind(response_format=response_format)
            return
        chain = chat_model.with_structured_output(schema, method=method)
        steps = list(getattr(chain, "steps", ()))
        if len(steps) < 2:  # not a model | parser sequence
            raise TypeError(f"unexpected structured output chain: {type(chain).__name__}")
        self._model, self._parsers = steps[0], steps[1:]

    def invoke(self, messages: Any) -> dict[str, Any]:
        raw = self._model.invoke(messages)
        try:
            parsed = self._parse(raw)
        except Exception as error:  # as include_raw: a parse failure is data, not a crash
            return {"raw": raw, "parsed": None, "parsing_error": error}
        return {"raw": raw, "parsed": parsed, "parsing_error": None}

    def _parse(self, raw: Any) -> Any:
        if not self._parsers:
            refusal = raw.additional_kwargs.get("refusal")
            if refusal:
                raise ValueError(f"the model refused: {refusal}")
            return self._schema.model_validate_json(raw.text)
        parsed = raw
        for parser in self._parsers:
            parsed = parser.invoke(parsed)
        return parsed


def structured(
    chat_model: BaseChatModel, schema: type[BaseModel], settings: Settings
) -> StructuredCall:
    """`chat_model` answering with `schema`; parse failures come back as data (StructuredCall)."""
    return StructuredCall(chat_model, schema, settings)


def model_label(chat_model: BaseChatModel, settings: Settings) -> str:
    """The model name recorded as the author of a text."""
    name = getattr(chat_model, "model_name", None)
    return name if isinstance(name, str) and name else settings.model


# Servers and the structured output methods known to work with them (README, "Model servers").
KNOWN_METHODS = "OpenAI and vLLM: json_schema; Ollama: json_schema or json_mode; "
KNOWN_METHODS += "llama.cpp: function_calling or json_mode"


# What a server's error says when it cannot do the structured output method that was asked for
# (vLLM, llama.cpp, Ollama, OpenAI name the field or the format: "response_format of type
# 'json_schema' is not supported", "guided_json ...", "tool_choice ...").
RESPONSE_FORMAT_WORDS = re.compile(
    r"response[_ ]?format|json[_ ]?schema|json[_ ]?object|guided[_ ]?json|structured[_ ]output"
    r"|tool[_ ]?choice",
    re.IGNORECASE,
)
SERVER_SAID = "the server said: "  # then the server's words, JSON-quoted
SERVER_WORDS_MAX = 300
_SERVER_SAID_QUOTED = re.compile(re.escape(SERVER_SAID) + r'("(?:[^"\\]|\\.)*")')
_HTTP_STATUS = re.compile(r"\(HTTP [45]\d\d\)")  # how agent/writing.py records an API error


def server_words(error: openai.APIError) -> str:
    """The server's own error message (and the request field it blames), or "" when the error
    holds no answer from the server (timeouts, connection errors)."""
    if not isinstance(error, openai.APIStatusError):
        return ""
    body = error.body
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        body = body["error"]
    if isinstance(body, dict):
        words = str(body.get("message") or body.get("detail") or "")
        if body.get("param"):
            words += f" (param: {body['param']})"
    else:
        words = str(body or "")
    return words.strip()[:SERVER_WORDS_MAX]


def names_response_format(words: str) -> bool:
    """Do the server's words name the response format / structured output method?"""
    return bool(RESPONSE_FORMAT_WORDS.search(words))


def method_hint(settings: Settings) -> str:
    """The hint appended to a failure reason when the server refused the method."""
    return (
        f"; the server may not support structured output method "
        f"'{settings.structured_output_method}': set {METHOD_SETTING} to json_schema, "
        "function_calling or json_mode"
    )


def api_error_note(error: openai.APIError, settings: Settings) -> str:
    """What a failure reason should say after "<Error> (HTTP n) after k attempt(s)": the server's
    own words (JSON-quoted after SERVER_SAID), then the method hint only when those words name
    the response format. "" when the server said nothing (timeout, reset)."""
    words = server_words(error)
    if not words:
        return ""
    note = f", {SERVER_SAID}{json.dumps(words)}"
    return note + (method_hint(settings) if names_response_format(words) else "")


def shows_method_refusal(reason: str) -> bool:
    """Does this recorded failure show that the server's error named the response format?

    A reason that records the server's words (`api_error_note`) counts when those words name
    the response format, whatever the status: a 500 "Internal Server Error" never counts, a
    llama.cpp 500 about `response_format` does. A reason without the server's words (what
    agent/writing.py records today: the status, and the hint on every 400/422/500) counts when
    it is an HTTP error carrying the hint: it cannot tell a refusal from a plain 500.
    """
    if METHOD_SETTING not in reason:
        return False
    said = _SERVER_SAID_QUOTED.search(reason)
    if said is None:
        return _HTTP_STATUS.search(reason) is not None
    return names_response_format(str(json.loads(said.group(1))))


def method_refusal_warning(failures: list[list[str]], settings: Settings) -> str | None:
    """One line when most texts fell back because the server refused the structured output
    method (`failures`: the fallback reasons of each text written); else None.

    Only failures that show the server's error naming the response format count
    (`shows_method_refusal`): never timeouts, resets, garbage answers or plain server errors.
    """
    refused = sum(any(shows_method_refusal(reason) for reason in reasons) for reasons in failures)
    if not failures or refused * 2 <= len(failures):
        return None
    return (
        f"warning: {refused} of {len(failures)} texts fell back to the offline template because "
        f"the model server refused structured output method "
        f"'{settings.structured_output_method}': set {METHOD_SETTING} to one the server supports "
        f"({KNOWN_METHODS})"
    )
