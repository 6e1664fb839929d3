"""Output checks: each one catches a planted bad draft and passes a good one."""

from __future__ import annotations

from typing import Any

import pytest

from domain.checks import check_draft, check_summary
from domain.outputs import AdvocacySummary, AskDraft
from tests.llm_fakes import (
    GOOD_EMAIL_BODY,
    good_draft,
    good_summary,
    sample_report,
    sample_snapshot,
)

SNAPSHOT = sample_snapshot(
    signal_text="Love it! Reach me at lee.private@gmail.com or https://northwind.example/x"
)
REPORT = sample_report(flags=("high_value", "permission:public_quote:unknown"))


def _email(body_extra: str = "", **changes: Any) -> AskDraft:
    draft = good_draft("email", body=GOOD_EMAIL_BODY + body_extra)
    return AskDraft.model_validate(draft | changes)


def _problems(draft: AskDraft, channel: str = "email") -> list[str]:
    return check_draft(draft, SNAPSHOT, REPORT, channel=channel)  # type: ignore[arg-type]


def test_good_email_and_call_pass() -> None:
    assert _problems(_email()) == []
    assert _problems(AskDraft.model_validate(good_draft("call")), "call") == []


BAD_DRAFTS = [
    # (rule, planted draft changes or body addition, expected problem fragment)
    ("unknown_id", {"evidence_ids": ["s-1", "s-404"]}, "unknown evidence id 's-404'"),
    ("no_citation", {"evidence_ids": []}, "cites no evidence id"),
    ("channel_mismatch", {"channel": "call"}, "channel must be 'email'"),
    ("missing_subject", {"subject": None}, "needs a subject"),
    ("long_subject", {"subject": "x" * 121}, "needs a subject"),
    ("short_body", {"body": "Hi Lee, may we quote you?"}, "must be 200-2000"),
    ("long_body", {"body": "word " * 500}, "must be 200-2000"),
    ("thanks_for_agreeing", " Thanks for agreeing to be featured!", "permission was given"),
    ("as_you_approved", " As you approved, here is the plan.", "permission was given"),
    ("publish_promise", " We'll publish your quote next week.", "permission was given"),
    ("with_permission_we_have", " With your permission we have drafted it.", "permission"),
    ("permission_granted", " Permission granted, so all set.", "permission was given"),
    ("you_have_given", " You have given us your consent already.", "permission was given"),
    ("gift_card", " We'll send a gift card as thanks.", "incentive ('gift card')"),
    ("discount", " Enjoy a discount on renewal.", "incentive ('discount')"),
    ("credit", " We'll add a credit to your account.", "incentive ('credit')"),
    ("free_month", " Get a free month on us.", "incentive ('free month')"),
    ("dollars", " Here is $50 for your time.", "incentive ('$')"),
    ("percent_off", " Take 20% off.", "incentive ('20% off')"),
    ("swag", " Some swag is on the way.", "incentive ('swag')"),
    ("health_score", " Your health score is 82.", "internal data ('health score')"),
    ("arr", " Your ARR is 24000.", "internal data ('ARR')"),
    ("support_ticket", " Sorry about the support ticket.", "internal data ('support ticket')"),
    ("ticket_id", " About t-9: sorted.", "support ticket id"),
    ("ticket_subject", " Sorry about the double charge.", "support ticket subject"),
    ("other_customer", " Bayside Ortho loves us too.", "names another customer"),
    ("internal_flag", " You are high_value to us.", "internal flag ('high_value')"),
    ("email_address", " Write to ana@vendor.example.", "contains an email address"),
    ("url", " See https://evil.example/form.", "contains a URL"),
    ("phone", " Call me on +1 415 555 0199.", "contains a phone number"),
    ("html", " <a href='x'>click</a>", "HTML tag"),
    # What a 135M model writes: contact details, links, prices, offers, invented facts, markup.
    ("short_phone", " Call me on 555-0199.", "contains a phone number"),
    ("phone_parens", " Reach us at (415) 555-0199 anytime.", "contains a phone number"),
    ("email_in_sentence", " Email support@acme.com with questions.", "contains an email address"),
    ("bare_domain", " Visit acme.com/reviews to leave one.", "contains a URL"),
    ("www_url", " Go to www.reviews.example today.", "contains a URL"),
    ("price_dollars", " Our plan is only $49 per month.", "price or fee ('$4"),
    ("price_per_seat", " The pricing is simple: one fee per seat.", "price or fee ('pricing')"),
    ("price_currency_word", " It costs 300 euros.", "price or fee ('300 euros')"),
    ("refund", " We can issue a full refund.", "incentive ('refund')"),
    ("refunded", " You will be refunded for the outage.", "incentive ('refunded')"),
    ("discounted", " Renew at a discounted rate.", "incentive ('discounted')"),
    ("complimentary", " Enjoy a complimentary upgrade.", "incentive ('complimentary')"),
    ("for_free", " You get onboarding for free.", "incentive ('for free')"),
    ("promo_code", " Use promo code THANKS.", "incentive ('promo code')"),
    ("special_offer", " A special offer awaits you.", "incentive ('special offer')"),
    ("no_cost", " Training at no extra cost.", "incentive ('at no extra cost')"),
    ("coffee", " Let me buy you a coffee.", "incentive ('buy you a coffee')"),
    ("waived", " Your next invoice is waived.", "incentive ('waived')"),
    ("invented_number", " You saved 40 hours last month.", "numbers not in the evidence ('40')"),
    ("invented_percent", " Your team grew 250% this year.", "numbers not in the evidence ('250')"),
    ("invented_year", " Since 2019 you have been with us.", "numbers not in the evidence ('2019')"),
    ("invented_person", " Our colleague John Smith will call.", "not in the evidence ('John'"),
    ("invented_company", " We also help Contoso and Fabrikam.", "not in the evidence ('Contoso'"),
    ("invented_place", " See you at our office in Berlin.", "'Berlin')"),
    ("html_entity", " Thanks&nbsp;again.", "HTML tag"),
    ("html_break", " Thanks!<br>Ana", "HTML tag"),
    # Contact details are a problem in a draft even when the evidence holds them (a canary leak).
    ("evidence_email", " You mentioned lee.private@gmail.com as the best address.", "email"),
    ("evidence_url", " Thanks for pointing us to https://northwind.example/x.", "contains a URL"),
]


@pytest.mark.parametrize(
    ("rule", "planted", "expected"), BAD_DRAFTS, ids=[row[0] for row in BAD_DRAFTS]
)
def test_check_draft_catches(rule: str, planted: Any, expected: str) -> None:
    draft = _email(planted) if isinstance(planted, str) else _email(**planted)
    problems = _problems(draft)
    assert any(expected in problem for problem in problems), problems


GOOD_PHRASES = [
    ("asks_permission", " May we have your permission to quote you?"),
    ("conditional_publish", " If you agree, we'll publish your quote with your edits."),
    ("date_is_not_phone", " We spoke on 2026-11-10 about it."),
    ("arrange_is_not_arr", " Happy to arrange a time that suits you."),
    # Numbers and names the evidence holds, and words that are not names or offers.
    ("evidence_numbers", " Your NPS of 10 on 10 Nov 2026 and the 31% drop in Q3 stood out."),
    ("evidence_score_scale", " A 10/10 from you, Lee, made our week."),
    ("minutes_asked", " It would take 20 minutes, or a 15-minute call."),
    ("owner_account_contact", " Ana Ruiz and everyone at Northwind Dental thank you, Lee Park."),
    ("title_case_subject", "", {"subject": "A Quick Favour: Would You Share Your Experience?"}),
    ("month_and_weekday", " Could we talk on Tuesday or in December?"),
    ("feel_free", " Feel free to say no; it is completely fine to feel free here."),
    ("sentence_start_word", "\n\nEither way, thank you. Honestly, it means a lot."),
]


@pytest.mark.parametrize(
    ("rule", "phrase", "changes"),
    [row if len(row) == 3 else (*row, {}) for row in GOOD_PHRASES],
    ids=[row[0] for row in GOOD_PHRASES],
)
def test_check_draft_allows(rule: str, phrase: str, changes: dict[str, Any]) -> None:
    assert _problems(_email(phrase, **changes)) == []


def test_contact_titles_and_evidence_words_are_not_invented_names() -> None:
    contact = SNAPSHOT.contacts[1].model_copy(update={"title": "Practice Manager"})
    snapshot = SNAPSHOT.model_copy(update={"contacts": (SNAPSHOT.contacts[0], contact)})
    draft = _email(" As our Practice Manager friend said: Love it.")
    assert check_draft(draft, snapshot, REPORT, channel="email") == []
    assert check_draft(draft, SNAPSHOT, REPORT, channel="email") != []


def test_invented_facts_never_quote_internal_values() -> None:
    problems = "\n".join(_problems(_email(" Your 24000 and the 82 at Bayside are great.")))
    assert "numbers not in the evidence" in problems and "names people" in problems
    for secret in ("24000", "82", "Bayside"):
        assert secret not in problems


def test_summary_catches_invented_facts_and_contact_details() -> None:
    planted = good_summary()
    planted["points"][0]["text"] = "Lee (call 555-0199) saved 40 hours with John Smith."
    problems = "\n".join(check_summary(AdvocacySummary.model_validate(planted), SNAPSHOT))
    for fragment in ("phone number", "numbers not in the evidence ('555', '0199', '40')", "John"):
        assert fragment in problems


def test_outcome_values_are_results_not_incentives() -> None:
    signal = SNAPSHOT.signals[1].model_copy(update={"value": "$12k saved"})
    snapshot = SNAPSHOT.model_copy(update={"signals": (SNAPSHOT.signals[0], signal)})
    draft = _email(" Your no-show result ($12k saved) is remarkable.")
    assert check_draft(draft, snapshot, REPORT, channel="email") == []


def test_call_rules() -> None:
    with_subject = AskDraft.model_validate(good_draft("call", subject="Hello"))
    too_long = AskDraft.model_validate(good_draft("call", body="- point\n" * 200))
    assert any("no subject" in p for p in _problems(with_subject, "call"))
    assert any("1500" in p for p in _problems(too_long, "call"))


def test_problem_strings_never_quote_internal_data() -> None:
    problems = _problems(_email(" Sorry about the double charge; Bayside Ortho says hi."))
    assert problems
    assert not any("double" in p.lower() or "bayside" in p.lower() for p in problems)


def test_summary_good_and_bad() -> None:
    good = AdvocacySummary.model_validate(good_summary())
    assert check_summary(good, SNAPSHOT) == []
    bad = AdvocacySummary.model_validate(
        good_summary()
        | {
            "headline": "<b>Great</b>",
            "points": [{"text": "x", "evidence_ids": ["nope"]}],
            "evidence_ids": [],
        }
    )
    problems = "\n".join(check_summary(bad, SNAPSHOT))
    for fragment in ("HTML tag", "unknown evidence id 'nope'", "cites no evidence id"):
        assert fragment in problems
