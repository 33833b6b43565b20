"""How the lab's borrowers answer the contacts a policy makes: a documented, seeded behaviour model.

Each borrower has one disposition for the whole book, drawn from the shares below by a hash of the seed and the
account id (so every policy meets the same borrowers), and answers each contact by a draw seeded the same way by
the contact's key (so the same contact gets the same answer under every policy: the policies differ only in the
contacts they make). The answers are borrower events, exactly as the lender's systems would send them.

| disposition | share | after a text (reminder, follow-up) | after a call or visit that reaches them |
|---|---|---|---|
| pays_when_reminded | 0.30 | pays in full in 1-2 days: 45% (pre-due, early), 25% later | pays in full the next day (80%) |
| promises | 0.20 | nothing | promises the amount due in 7 days (85%); keeps it 60% |
| needs_a_plan | 0.15 | pays 10% of what is owed in 1-2 days (20%) | a plan (70%): 3 installments over 60 days, each |
| | | | kept 75%; where the policy offers none, promises half in 10 days |
| refuses | 0.10 | nothing | refuses (70%) |
| unreachable | 0.25 | nothing | — |

Whether a call reaches them: pays_when_reminded 65%, promises 60%, needs_a_plan 55%, refuses 50%, unreachable 0%
(no answer; 8% of their calls find a wrong number). A visit finds them at home: 50% (unreachable: 30%). A legal
review is decided the next morning (03:07 UTC): rejected by one reviewer (30%), or approved (70%) by as many distinct
reviewers as the account's profile asks (lab-1, lab-2, ...; Profile.legal_approvals), five minutes apart.

Where the numbers come from: they are assumptions, chosen to be in the ranges the collections trade press and
vendors commonly quote (right-party contact rates of 20-40% of dial attempts, promise-kept rates of 50-70%, most
early-stage delinquencies curing within 30 days) and to match the demo's book (sim.scenarios.demo). They have
not been fitted to any lender's data: a lender calibrates them with its own outcome history before trusting a
comparison's absolute numbers. Relative comparisons between policies on the same borrowers are what the lab is for.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

DISPOSITIONS = (
    ("pays_when_reminded", 0.30),
    ("promises", 0.20),
    ("needs_a_plan", 0.15),
    ("refuses", 0.10),
    ("unreachable", 0.25),
)
REACHED = {"pays_when_reminded": 0.65, "promises": 0.60, "needs_a_plan": 0.55, "refuses": 0.50, "unreachable": 0.0}
AT_HOME = {"unreachable": 0.30}  # the others: AT_HOME_DEFAULT
AT_HOME_DEFAULT = 0.50
WRONG_NUMBER = 0.08  # of an unreachable borrower's calls
PAY_AFTER_TEXT = {"pre_due": 0.45, "early": 0.45, "later": 0.25}  # pays_when_reminded, by the text's stage
PAY_AFTER_TALK = 0.80
PROMISE_AFTER_TALK, PROMISE_KEPT, PROMISE_DAYS = 0.85, 0.60, 7
PLAN_AFTER_TALK, INSTALLMENT_KEPT, PLAN_INSTALLMENTS, PLAN_DAYS = 0.70, 0.75, 3, 60
PART_PAYMENT_AFTER_TEXT, PART_SHARE = 0.20, Decimal("0.10")
REFUSES = 0.70
APPROVED = 0.70
REVIEWER_GAP = timedelta(minutes=5)  # between one lab reviewer's approval and the next's
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Answer:
    """A borrower event the model sends, at an instant (the lab applies it, and writes it to the scenario)."""

    at: datetime
    event: dict[str, Any]  # the scenario/bus form: type, account_id and the type's fields


class Behaviour:
    """The seeded model: `disposition(account_id)`, and the answers to a contact (`answer`)."""

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def draw(self, *parts: object) -> float:
        """A uniform draw in [0, 1), the same for the same seed and parts."""
        digest = hashlib.sha256("\x00".join(map(str, (self.seed, *parts))).encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64

    def disposition(self, account_id: str) -> str:
        x, total = self.draw("disposition", account_id), 0.0
        for name, share in DISPOSITIONS:
            total += share
            if x < total:
                return name
        return DISPOSITIONS[-1][0]

    def answer(self, contact: dict[str, Any], account: Any, offers_plans: bool, approvals_needed: int) -> list[Answer]:
        """What the borrower (or, for a legal review, its reviewers) does after this contact (the contact's `key` seeds
        it): events at their instants. `approvals_needed`: the distinct approvals the account's profile asks for."""
        kind, who, key = contact["action"], self.disposition(contact["account_id"]), contact["key"]
        at = _instant(contact["at"])
        owed = account.amount_due
        if owed <= 0:
            return []
        if kind == "sms":
            return self._after_text(contact, who, key, at, owed)
        if kind == "call":
            return self._after_call(contact, who, key, at, owed, offers_plans)
        if kind == "visit":
            home = AT_HOME.get(who, AT_HOME_DEFAULT)
            if self.draw("home", key) >= home:
                return [self._event(at + timedelta(hours=5), contact, "visit_outcome", outcome="not_home")]
            outcome = "refused" if who == "refuses" and self.draw("refuse", key) < REFUSES else "met"
            first = self._event(at + timedelta(hours=5), contact, "visit_outcome", outcome=outcome)
            return (
                [first, *self._after_talk(contact, who, key, at + timedelta(hours=5, minutes=10), owed, offers_plans)]
                if outcome == "met"
                else [first]
            )
        if kind == "legal_review":
            return self._review(contact, key, at, approvals_needed)
        return []

    def _review(self, contact: dict[str, Any], key: str, at: datetime, approvals_needed: int) -> list[Answer]:
        """The next morning's decision: one reviewer's rejection ends the review; an approval takes as many distinct
        reviewers as the profile asks, or the lab would never refer."""
        morning = datetime.combine(at.date() + timedelta(days=1), time(3, 7), tzinfo=UTC)
        if self.draw("review", key) >= APPROVED:
            return [self._event(morning, contact, "legal_decision", decision="reject", reviewer="lab-1")]
        return [
            self._event(morning + n * REVIEWER_GAP, contact, "legal_decision", decision="approve", reviewer=f"lab-{n + 1}")
            for n in range(approvals_needed)
        ]

    def _after_text(self, contact: dict[str, Any], who: str, key: str, at: datetime, owed: Decimal) -> list[Answer]:
        if contact["purpose"] in ("confirmation", "promise_reminder"):
            return []
        later = at + timedelta(days=1 if self.draw("when", key) < 0.5 else 2, hours=1, minutes=13)
        if who == "pays_when_reminded":
            stage = contact["stage"] if contact["stage"] in ("pre_due", "early") else "later"
            if self.draw("pay", key) < PAY_AFTER_TEXT[stage]:
                return [self._event(later, contact, "payment", amount=str(owed))]
        if who == "needs_a_plan" and self.draw("part", key) < PART_PAYMENT_AFTER_TEXT:
            return [self._event(later, contact, "payment", amount=str((owed * PART_SHARE).quantize(CENT)))]
        return []

    def _after_call(self, contact: dict[str, Any], who: str, key: str, at: datetime, owed: Decimal, offers_plans: bool) -> list[Answer]:
        answered = at + timedelta(hours=2, minutes=11)
        task = f"{contact['account_id']}#{key}"
        if self.draw("reach", key) >= REACHED[who]:
            wrong = who == "unreachable" and self.draw("wrong", key) < WRONG_NUMBER
            return [self._event(answered, contact, "call_outcome", outcome="wrong_number" if wrong else "no_answer", task_id=task)]
        if who == "refuses" and self.draw("refuse", key) < REFUSES:
            return [self._event(answered, contact, "call_outcome", outcome="refused", task_id=task)]
        reached = self._event(answered, contact, "call_outcome", outcome="reached", task_id=task)
        return [reached, *self._after_talk(contact, who, key, answered + timedelta(minutes=5), owed, offers_plans)]

    def _after_talk(self, contact: dict[str, Any], who: str, key: str, at: datetime, owed: Decimal, offers_plans: bool) -> list[Answer]:
        """A conversation: the borrower pays, promises, or agrees a plan, by disposition."""
        local = at.date()
        if who == "pays_when_reminded" and self.draw("pay-talk", key) < PAY_AFTER_TALK:
            return [self._event(at + timedelta(days=1), contact, "payment", amount=str(owed))]
        if who == "promises" and self.draw("promise", key) < PROMISE_AFTER_TALK:
            day = local + timedelta(days=PROMISE_DAYS)
            answers = [self._event(at, contact, "promise_to_pay", amount=str(owed), promised_date=day.isoformat())]
            if self.draw("kept", key) < PROMISE_KEPT:
                answers.append(self._event(_on(day, at), contact, "payment", amount=str(owed)))
            return answers
        if who == "needs_a_plan" and self.draw("plan", key) < PLAN_AFTER_TALK:
            if offers_plans:
                return self._plan(contact, key, at, owed)
            day = local + timedelta(days=10)
            half = (owed / 2).quantize(CENT)
            answers = [self._event(at, contact, "promise_to_pay", amount=str(half), promised_date=day.isoformat())]
            if self.draw("kept", key) < PROMISE_KEPT:
                answers.append(self._event(_on(day, at), contact, "payment", amount=str(half)))
            return answers
        return []

    def _plan(self, contact: dict[str, Any], key: str, at: datetime, owed: Decimal) -> list[Answer]:
        step = PLAN_DAYS // PLAN_INSTALLMENTS
        share = (owed / PLAN_INSTALLMENTS).quantize(CENT)
        amounts = [share] * (PLAN_INSTALLMENTS - 1) + [owed - share * (PLAN_INSTALLMENTS - 1)]
        days = [at.date() + timedelta(days=step * (n + 1)) for n in range(PLAN_INSTALLMENTS)]
        installments = [{"date": d.isoformat(), "amount": str(a)} for d, a in zip(days, amounts, strict=True)]
        answers = [self._event(at, contact, "payment_plan_agreed", installments=installments)]
        for n, (day, amount) in enumerate(zip(days, amounts, strict=True)):
            if self.draw("installment", key, n) >= INSTALLMENT_KEPT:
                break  # missed: the plan breaks the day after, and no later installment is paid
            answers.append(self._event(_on(day, at), contact, "payment", amount=str(amount)))
        return answers

    def _event(self, at: datetime, contact: dict[str, Any], kind: str, **fields: Any) -> Answer:
        return Answer(at, {"type": kind, "account_id": contact["account_id"], **fields})


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def _on(day: date, _like: datetime) -> datetime:
    """A payment made on a promised date: 04:13 UTC that day, which is that date or the day before in every
    borrower's zone from UTC-12 to UTC+8 (so it keeps the promise), and between two daily runs."""
    return datetime.combine(day, time(4, 13), tzinfo=UTC)
