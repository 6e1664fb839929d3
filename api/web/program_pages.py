"""The Programs page (issue 12): programs with participation and capacity, the rewards ledger
with the owner's fulfil and cancel, and pilots against the seeds' thresholds.

Thin like the other pages: a form calls the use-case the API and the CLI call, then redirects
back; a refusal re-renders the page with the reason in words.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from agent.bootstrap import Services
from agent.usecases.pilots import list_pilots, pilot_report, start_pilot
from agent.usecases.programs import program_reports
from agent.usecases.rewards import list_rewards, move_reward
from api.deps import ApiUser
from api.errors import error_body, status_of
from api.web.deps import CheckedForm, PageServices, Visitor, api_user, render
from api.web.deps import text_field as field
from domain.errors import DomainError, Invalid
from domain.text import NO_NUL_PATTERN

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
RewardIdPath = Annotated[str, Path(max_length=220, pattern=NO_NUL_PATTERN)]


@router.get("/programs")
def programs_page(request: Request, services: PageServices, visitor: Visitor) -> Response:
    """Programs, the rewards ledger (an owner's own accounts') and the pilots."""
    return _page(request, services, api_user(visitor))


def _page(
    request: Request,
    services: Services,
    user: ApiUser,
    *,
    problem: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    now = services.deps.clock()
    with services.deps.session_factory() as session:
        programs = program_reports(session=session, now=now)
        rewards = list_rewards(session=session, actor=user, contact_id=None)
        pilots = []
        if not user.is_owner:
            pilots = [
                pilot_report(session=session, pilot_id=p.pilot_id, now=now)
                for p in list_pilots(session=session)[:5]
            ]
    context = {
        "title": "Programs",
        "programs": programs,
        "rewards": rewards,
        "pilots": pilots,
        "may_move": user.role in ("owner", "admin"),
        "may_pilot": user.role in ("marketing", "admin"),
        "problem": problem,
    }
    return render(request, "programs.html", context, status_code=status_code)


@router.post("/rewards/{reward_id}/{action}")
def post_reward(
    reward_id: RewardIdPath,
    action: str,
    request: Request,
    services: PageServices,
    visitor: Visitor,
    form: CheckedForm,
) -> Response:
    """Fulfil or cancel a reward through the rewards use-case (once)."""
    user = api_user(visitor)
    del form
    try:
        if action not in ("fulfil", "cancel"):
            raise Invalid(f"no action {action!r}: fulfil or cancel")
        move_reward(
            services=services,
            actor=user,
            reward_id=reward_id,
            action="fulfil" if action == "fulfil" else "cancel",
        )
    except DomainError as refused:
        return _page(
            request, services, user, problem=error_body(refused), status_code=status_of(refused)
        )
    return RedirectResponse("/programs#rewards", status_code=303)


@router.post("/pilots")
def post_pilot(
    request: Request, services: PageServices, visitor: Visitor, form: CheckedForm
) -> Response:
    """Start a pilot from the form: a name, a segment or the N healthiest, and its days."""
    user = api_user(visitor)
    try:
        top, days = field(form, "top_healthy"), field(form, "days") or "60"
        if not days.isdigit() or (top and not top.isdigit()):
            raise Invalid("days and top healthy are whole numbers")
        start_pilot(
            services=services,
            actor=user,
            name=field(form, "name"),
            segment=field(form, "segment") or None,
            top_healthy=int(top) if top else None,
            days=int(days),
        )
    except DomainError as refused:
        return _page(
            request, services, user, problem=error_body(refused), status_code=status_of(refused)
        )
    return RedirectResponse("/programs#pilots", status_code=303)
