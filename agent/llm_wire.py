"""A json_schema structured call sent straight through the chat model's openai client.

LangChain's `invoke` costs ~3 ms of CPU per call around the request (callbacks, the openai
client's `parse` re-walking every request field against its TypedDicts, the answer rebuilt as
typed objects twice): more than the rest of a candidate's drafting. Here the request is the one
ChatOpenAI would send (its own payload builder: model, temperature, answer limit, messages, the
response_format built once) posted with the openai client ChatOpenAI holds, so the wire, the
retries, the timeouts and the errors are the client's, unchanged; the answer is read as JSON
once and the content validated by the schema.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import openai
from langchain_core.messages import BaseMessage
from langchain_openai.chat_models.base import BaseChatOpenAI
from openai._base_client import make_request_options
from openai.types.chat import ChatCompletion

COMPLETIONS_PATH = "/chat/completions"
# What an unparsable answer is called when it is not a chat completion at all.
NOT_A_COMPLETION = "the server's answer is not a chat completion"


@dataclass(frozen=True)
class Answer:
    """The model's answer as the writer reads it (the fields of LangChain's AIMessage it used)."""

    text: str
    usage_metadata: dict[str, int] = field(default_factory=dict)
    additional_kwargs: dict[str, Any] = field(default_factory=dict)


class WireCall:
    """One json_schema request per `invoke`, through `chat_model`'s own openai client."""

    def __init__(self, chat_model: BaseChatOpenAI, response_format: dict[str, Any]) -> None:
        self._chat_model = chat_model
        self._response_format = response_format

    def invoke(self, messages: list[BaseMessage]) -> Answer:
        """The answer to `messages`; openai's errors as the client raises them (after its own
        retries), and a ValueError or openai's finish-reason errors for an answer that is not
        a usable completion (as the client's `parse` raised them)."""
        payload = self._chat_model._get_request_payload(
            messages, response_format=self._response_format
        )
        payload["stream"] = False  # as the client's parse() sends it
        extra_body = payload.pop("extra_body", None)
        options = make_request_options(extra_body=extra_body, security={"bearer_auth": True})
        client = self._chat_model.root_client
        body = client.post(COMPLETIONS_PATH, body=payload, cast_to=bytes, options=options)
        return read_answer(body)


def read_answer(body: bytes) -> Answer:
    """The first choice's content, refusal and the token usage of a chat.completion body."""
    completion = json.loads(body)
    if not isinstance(completion, dict) or not completion.get("choices"):
        raise ValueError(NOT_A_COMPLETION)
    choice = completion["choices"][0]
    if not isinstance(choice, dict) or not isinstance(choice.get("message"), dict):
        raise ValueError(NOT_A_COMPLETION)
    _check_finish(choice.get("finish_reason"), completion)
    message = choice["message"]
    refusal = message.get("refusal")
    return Answer(
        text=message.get("content") or "",
        usage_metadata=_usage(completion.get("usage")),
        additional_kwargs={"refusal": refusal} if refusal else {},
    )


def _check_finish(reason: Any, completion: dict[str, Any]) -> None:
    """A cut or filtered answer fails as the openai client's `parse` fails it."""
    if reason == "length":
        raise openai.LengthFinishReasonError(completion=ChatCompletion.construct(**completion))
    if reason == "content_filter":
        raise openai.ContentFilterFinishReasonError(
            completion=ChatCompletion.construct(**completion)
        )


def _usage(usage: Any) -> dict[str, int]:
    if not isinstance(usage, dict):
        return {}
    prompt = int(usage.get("prompt_tokens") or 0)
    completion = int(usage.get("completion_tokens") or 0)
    total = int(usage.get("total_tokens") or prompt + completion)
    return {"input_tokens": prompt, "output_tokens": completion, "total_tokens": total}
