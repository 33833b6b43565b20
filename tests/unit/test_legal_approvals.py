"""Four eyes on legal referrals (issue 19): approvals from distinct authenticated people, as many as the profile asks."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from escalation.domain import calendar, legal
from escalation.domain.events import EventError, apply_event
from escalation.domain.ladder import LEGAL_REVIEW_DAYS
from escalation.domain.model import Account, LegalState
from escalation.domain.profiles import PROFILES, effective_profile, parse_overrides, profile_for

US = profile_for("US")
TODAY = date(2026, 5, 1)
ALICE = "arn:aws:sts::123456789012:assumed-role/ReviewerRole/alice"
ALICE_BY_SSO = "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Reviewer_0123456789abcdef/alice"
BOB = "arn:aws:sts::123456789012:assumed-role/ReviewerRole/bob"


def waiting(**changes) -> Account:
    base = Account("US-1", "+12125550187", Decimal("5000.00"), "USD", date(2026, 3, 1), profile="US", timezone="America/New_York")
    return base.with_changes(**{"legal_state": LegalState.PENDING, "last_fired": {"legal_review": TODAY}} | changes)


def decide(account: Account, decision: str, principal: str | None = None, hour: int = 3, reviewer: str | None = None) -> Account:
    event = {"type": "legal_decision", "decision": decision, "decided_at": datetime(2026, 5, 1, hour, tzinfo=UTC).isoformat()}
    event |= {"principal": principal} if principal else {}
    event |= {"reviewer": reviewer} if reviewer else {}
    return apply_event(account, event, TODAY, US).account


def test_every_shipped_profile_asks_for_two_approvals_and_one_is_not_enough():
    assert {profile.legal_approvals for profile in PROFILES.values()} == {2}
    once = decide(waiting(), "approve", ALICE)
    assert not legal.approved(once, US) and legal.waiting(once)


def twice_refused(account: Account, principal: str, reviewer: str | None = None) -> str:
    with pytest.raises(EventError) as info:
        decide(account, "approve", principal, hour=4, reviewer=reviewer)
    return str(info.value)


def test_the_same_principal_twice_counts_once():
    once = decide(waiting(), "approve", ALICE, hour=3)
    assert twice_refused(once, ALICE) == "principal: alice approved this review already; another reviewer must approve"
    assert once.legal_approvals == {ALICE: "2026-05-01T03:00:00+00:00"} and not legal.approved(once, US)


def test_two_sessions_of_one_person_count_once_whatever_the_role():
    assert legal.person_of(ALICE) == legal.person_of(ALICE_BY_SSO) == "alice"
    assert "alice approved this review already" in twice_refused(decide(waiting(), "approve", ALICE), ALICE_BY_SSO)


def test_the_reviewer_note_names_no_one_when_a_principal_is_there():
    once = decide(waiting(), "approve", ALICE, reviewer="bob")
    assert list(once.legal_approvals) == [ALICE]
    assert "alice approved this review already" in twice_refused(once, ALICE, reviewer="carol")


def test_two_distinct_people_complete_the_review_and_the_referral_goes_ahead():
    both = decide(decide(waiting(), "approve", ALICE), "approve", BOB)
    assert legal.approved(both, US)
    assert legal.review_after_event(waiting(), both, "legal_decision", US, TODAY, False) == (both, None)


@pytest.mark.parametrize(
    ("principal", "person"),
    [
        (ALICE, "alice"),
        ("arn:aws-cn:sts::123456789012:assumed-role/ReviewerRole/Li.Wei", "li.wei"),  # user names are unique regardless of case
        ("arn:aws:iam::123456789012:user/alice", "arn:aws:iam::123456789012:user/alice"),  # not a session: the ARN itself
        ("lab-1", "lab-1"),
    ],
)
def test_the_person_of_an_approval_is_the_session_name_of_an_assumed_role(principal, person):
    assert legal.person_of(principal) == person


def test_a_lender_may_ask_for_one_approval_explicitly():
    one = effective_profile("US", "card", parse_overrides({"US": {"legal_approvals": 1}}))
    assert one.legal_approvals == 1
    assert legal.approved(decide(waiting(), "approve", ALICE), one)


def test_a_rejection_after_one_approval_ends_the_review():
    rejected = decide(decide(waiting(), "approve", ALICE), "reject", BOB)
    assert rejected.legal_state is LegalState.REJECTED and rejected.legal_approvals == {}
    assert not legal.approved(rejected, US)


def test_the_decider_is_the_principal_and_the_reviewer_note_only_without_one():
    assert legal.reviewer_of({"principal": ALICE, "reviewer": "bob"}) == ALICE
    assert legal.reviewer_of({"reviewer": "lab-1"}) == "lab-1"


def test_the_approvers_text_lists_every_approver_with_the_time_earliest_first():
    account = waiting(legal_approvals={BOB: "2026-05-01T04:10:00+00:00", ALICE: "2026-05-01T05:00:00+02:00"})  # 03:00 UTC
    assert legal.approvers_text(account) == f"{ALICE} at 2026-05-01T05:00:00+02:00, {BOB} at 2026-05-01T04:10:00+00:00"
    assert legal.approvers_text(waiting()) == ""


def test_an_approval_short_of_the_count_does_not_keep_the_review_from_expiring():
    started = waiting(last_fired={"legal_review": TODAY - timedelta(days=LEGAL_REVIEW_DAYS)})
    one = decide(started, "approve", ALICE)
    assert calendar.review_step(one, US, TODAY, "token").kind == calendar.EXPIRED
    both = decide(one, "approve", BOB)
    assert calendar.review_step(both, US, TODAY, "token").kind == calendar.HAND_OVER


def test_the_labs_approving_review_brings_as_many_distinct_reviewers_as_the_profile_asks():
    from sim.lab.behaviour import APPROVED, Behaviour

    behaviour = Behaviour(seed=7)
    contact = {"action": "legal_review", "account_id": "US-1", "key": "k", "at": "2026-05-01T10:00:00Z", "stage": "legal"}
    keys = [f"2026-05-0{n}#legal_review" for n in range(1, 10)]
    approving = next(k for k in keys if behaviour.draw("review", k) < APPROVED)
    rejecting = next(k for k in keys if behaviour.draw("review", k) >= APPROVED)
    answers = behaviour.answer(contact | {"key": approving}, waiting(), False, 3)
    assert [(a.event["decision"], a.event["reviewer"]) for a in answers] == [
        ("approve", "lab-1"),
        ("approve", "lab-2"),
        ("approve", "lab-3"),
    ]
    assert len({a.at for a in answers}) == 3
    [rejection] = behaviour.answer(contact | {"key": rejecting}, waiting(), False, 3)
    assert rejection.event["decision"] == "reject"
