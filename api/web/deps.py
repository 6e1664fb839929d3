"""What every page route needs: the services, the signed-in visitor, a CSRF-checked form, render.

Templates autoescape everything; no template marks customer text safe.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from agent.bootstrap import Services
from agent.usecases.notices import unread
from agent.usecases.web_sessions import SignedIn, signed_in, tokens_match
from api.deps import ApiUser
from api.errors import ApiError
from api.web.views import explain, reason_words, urlpart
from domain.errors import plain_message
from domain.labels import rule_label

TEMPLATES = Path(__file__).parent / "templates"
SESSION_COOKIE = "advocacy_session"
SIGNIN_COOKIE = "advocacy_signin_csrf"


class PageError(Exception):
    """An answer other than the page asked for, shown as an HTML page in words."""

    def __init__(self, status_code: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.title = title
        self.message = message


class SignInRequired(Exception):
    """No live session: the visitor is sent to the sign-in page."""


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["reason_words"] = reason_words
    env.filters["explain"] = explain
    env.filters["rule_label"] = lambda rule: rule_label(rule).label
    env.filters["rule_explain"] = lambda rule: rule_label(rule).explanation
    env.filters["urlpart"] = urlpart
    return env


templates = Jinja2Templates(env=_environment())


def render(
    request: Request, name: str, context: dict[str, Any], *, status_code: int = 200
) -> HTMLResponse:
    visitor = getattr(request.state, "visitor", None)
    unread_count = getattr(request.state, "unread", 0)
    full = {"visitor": visitor, "unread": unread_count, "title": "", **context}
    return templates.TemplateResponse(request, name, full, status_code=status_code)


def page_services(request: Request) -> Services:
    services_of: Callable[[], Services] = request.app.state.services_of
    return services_of()


PageServices = Annotated[Services, Depends(page_services)]


def current_visitor(request: Request, services: PageServices) -> SignedIn:
    """The signed-in user of this browser, or a redirect to the sign-in page.

    Every page's header shows the visitor's unread notifications, so they are counted here.
    """
    session_id = request.cookies.get(SESSION_COOKIE)
    if not session_id:
        raise SignInRequired
    with services.deps.session_factory() as session:
        visitor = signed_in(session=session, session_id=session_id, now=services.deps.clock())
        if visitor is not None:
            request.state.unread = unread(session=session, actor=api_user(visitor))
    if visitor is None:
        raise SignInRequired
    request.state.visitor = visitor
    return visitor


Visitor = Annotated[SignedIn, Depends(current_visitor)]


def owner_visitor(visitor: Visitor) -> SignedIn:
    if visitor.role != "owner":
        raise PageError(
            403,
            "For account owners",
            "The inbox, the reviews and the task actions are for account owners; the tasks list,"
            " the notifications and the measurements are open to you.",
        )
    return visitor


OwnerVisitor = Annotated[SignedIn, Depends(owner_visitor)]


def review_reader(visitor: Visitor) -> SignedIn:
    """Owners (their reviews, to decide) and admins (any review, read-only: for prompt
    engineers, why the model's text was not used)."""
    return visitor if visitor.role == "admin" else owner_visitor(visitor)


ReviewReader = Annotated[SignedIn, Depends(review_reader)]

CSRF_REFUSED = (
    "This form did not carry this session's security token, so nothing was changed."
    " Reload the page and try again."
)


async def posted_form(request: Request) -> FormData:
    return await request.form()


PostedForm = Annotated[FormData, Depends(posted_form)]


def checked_form(form: PostedForm, visitor: Visitor) -> FormData:
    """The posted form, once its CSRF token matches the session's; 403 otherwise."""
    given = form.get("csrf")
    if not tokens_match(given if isinstance(given, str) else None, visitor.csrf):
        raise PageError(403, "Form refused", CSRF_REFUSED)
    return form


CheckedForm = Annotated[FormData, Depends(checked_form)]


def text_field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.replace("\r\n", "\n").strip() if isinstance(value, str) else ""


def api_user(visitor: SignedIn) -> ApiUser:
    return ApiUser(id=visitor.user_id, role=visitor.role)


Body = TypeVar("Body", bound=BaseModel)


def parsed(model: type[Body], data: dict[str, Any]) -> Body:
    """The API's own body model over a form's fields: the same limits, 422 in words."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in item['loc']) or 'form'}: {plain_message(item['msg'])}"
            for item in error.errors()
        )
        raise ApiError(422, problems) from None
