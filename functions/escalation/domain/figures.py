"""The figures a collections manager reads every day, per strategy and arm (DOMAIN.md, "Figures").

Pure: a book's records as the scenario export writes them (docs/SCENARIOS.md: contacts.jsonl, events.jsonl,
accounts.json), its first and last local dates and the rates in; plain JSON-ready dicts out. The only I/O is
`load_rates`. Definitions:

- Group (policy, arm): a record's `policy` (else its `policy_version` before "@") and `arm` (else "-"). All of
  an account's figures count in its group: its record's, else its latest contact's, else default-ladder/-.
  Records of accounts missing from `accounts` are left out; events count only when `note` is "applied".
- An event's outcome or amount is its field, else read from its `effect` ("call refused", "paid in full (9.00)").
  Its local date: `at` in the account's `timezone`, else its latest contact's UTC offset, else UTC.
- Dial attempt: a call outcome. Visit made: a visit outcome. Conversation: a call reached or refused, a visit met
  or refused. right_party_contact_rate = phone conversations / dial attempts.
- Promises: promise_to_pay events not ignored; promise_to_pay_rate = promises / conversations (it can exceed 1:
  borrowers also promise in replies). Kept / broken promises and plans: the account records' counters
  (`kept_promises`, `broken_promises`, `kept_plans`, `broken_plans`; 0 when absent): the daily run breaks
  promises, no event does. promise_kept_rate = kept / (kept + broken).
- Paid in full on: the first payment whose effect says so, else (status paid) the last payment.
  paid_share = accounts whose status is paid / accounts.
- Entering delinquency, E = max(due_date + 1, the account's first day in the book: the first day, or its
  new_account's). Paid in full before E: never entered. cure_rate_N = paid in full within E .. E+N-1, over the
  accounts that entered with E+N-1 inside the book (`cure_cohorts`); no `due_date`: no cohort (`undated_accounts`).
- roll_rates, days-past-due buckets 1-30, 31-60, 61-90 (, 91+): `observed` = accounts seen unpaid on a day of
  the bucket whose next bucket's first day is in the book; `rolled` = those unpaid at the start of that day.
- recovered: applied payments, in the account's currency. cost_usd: SMS parts × the destination country's
  price per part (infra/prices.json; the US price when the country has none: `sms_parts_priced_as_us`), dial
  attempts × minutes per attempt × agent rate, visits made × hours × field rate, account-days (first day in the
  book to the last) × AWS rate. cost_per_unit_recovered: USD cost of the currency's accounts / amount recovered.
- Ratios: floats to 4 places, None when the denominator is 0. Amounts: strings (USD to the cent, each cost
  rounded on its own, so the parts may differ from the total by a cent).
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers

from .messages import sms_parts

INFRA = Path(__file__).resolve().parents[3] / "infra"
RATES_PATH, PRICES_PATH = INFRA / "collection-rates.json", INFRA / "prices.json"
ACTIONS = ("sms", "call", "visit", "legal_review", "legal_referral")
CURE_DAYS = (30, 60, 90)
BUCKETS = ((1, 30), (31, 60), (61, 90))  # each rolls into the next; 91+ is the last
DEFAULT_GROUP = ("default-ladder", "-")
RECORD_COUNTERS = ("kept_promises", "broken_promises", "kept_plans", "broken_plans")  # read from the account records
PHONE_TALKS, VISIT_TALKS = frozenset({"reached", "refused"}), frozenset({"met", "refused"})
_OUTCOME = re.compile(r"(?:call|visit):? (\w+)")  # "call reached the borrower", "call: no_answer", "visit: met"
_PAID = re.compile(r"(?:paid in full \(|partial payment )(\d+(?:\.\d+)?)")
_CENT, _TEN_THOUSANDTH = Decimal("0.01"), Decimal("0.0001")
Records = Iterable[Mapping[str, Any]]  # records as exported: contacts.jsonl, events.jsonl, accounts.json


class RatesError(ValueError):
    """The rates are refused: "<name>: <reason>"."""


@dataclass(frozen=True)
class Rates:
    minutes_per_dial_attempt: Decimal
    agent_cost_per_hour_usd: Decimal
    hours_per_field_visit: Decimal
    field_cost_per_hour_usd: Decimal
    aws_cost_per_account_day_usd: Decimal
    sms_usd_per_part: Mapping[str, Decimal]  # by destination country (ISO 3166 region); "US" is the fallback

    def overridden(self, overrides: Mapping[str, Any]) -> Rates:
        """These rates with some replaced; an unknown name is refused."""
        changes = {name: _checked_rate(name, value) for name, value in overrides.items()}
        return replace(self, **changes)


RATE_NAMES = tuple(f.name for f in fields(Rates) if f.name != "sms_usd_per_part")


def load_rates(path: Path = RATES_PATH, prices_path: Path = PRICES_PATH) -> Rates:
    """The rates of infra/collection-rates.json, with the SMS prices per part of infra/prices.json."""
    document = json.loads(path.read_text(encoding="utf-8"))
    prices = json.loads(prices_path.read_text(encoding="utf-8"))
    return rates_from(document.get("rates"), sms_prices(prices.get("prices", {})))


def rates_from(entries: Any, sms_usd_per_part: Mapping[str, Decimal]) -> Rates:
    """Rates from the file's "rates" object: each known name exactly once, as {"value", "source", ...}."""
    if not isinstance(entries, dict):
        raise RatesError("rates: expected an object of named rates")
    if unknown := [name for name in entries if name not in RATE_NAMES]:
        raise RatesError(f"{unknown[0]}: unknown rate; expected {', '.join(RATE_NAMES)}")
    values = {}
    for name in RATE_NAMES:
        entry = entries.get(name)
        if not isinstance(entry, dict):
            raise RatesError(f"{name}: missing rate")
        if not str(entry.get("source") or "").strip():
            raise RatesError(f"{name}: missing source (where the value comes from, or why)")
        values[name] = _checked_rate(name, entry.get("value"))
    return Rates(**values, sms_usd_per_part=_checked_rate("sms_usd_per_part", sms_usd_per_part))


def sms_prices(prices: Mapping[str, Any]) -> dict[str, Decimal]:
    """USD per SMS part by country: the sum of prices.json's `sms_<country>_..._per_part` entries (base + carrier fee)."""
    per_country: dict[str, Decimal] = defaultdict(Decimal)
    for name, entry in prices.items():
        if match := re.fullmatch(r"sms_([a-z]{2})_\w+_per_part", name):
            per_country[match[1].upper()] += Decimal(str(entry["usd"]))
    return dict(per_country)


def _checked_rate(name: str, value: Any) -> Any:
    if name == "sms_usd_per_part":
        if not isinstance(value, Mapping) or "US" not in value:
            raise RatesError("sms_usd_per_part: expected prices by country, the US one included")
        return {country: _amount(f"sms_usd_per_part.{country}", price) for country, price in value.items()}
    if name not in RATE_NAMES:
        raise RatesError(f"{name}: unknown rate; expected {', '.join(RATE_NAMES)}")
    return _amount(name, value)


def _amount(name: str, value: Any) -> Decimal:
    try:
        amount = Decimal(str(value)) if isinstance(value, int | float | str | Decimal) and not isinstance(value, bool) else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount < 0:
        raise RatesError(f"{name}: expected a number >= 0, not {value!r}")
    return amount


# ---------------------------------------------------------------------- one account's facts
@dataclass
class _Account:
    record: Mapping[str, Any]
    group: tuple[str, str]
    first_seen: date
    # contacts by action, sms_parts, sms_parts_as_us, dials, phone_talks, visits, visit_talks, promises, the record's counters
    counts: Counter[str] = field(default_factory=Counter)
    sms_usd: Decimal = Decimal(0)
    recovered: Decimal = Decimal(0)
    paid_on: date | None = None

    def due(self) -> date | None:
        return date.fromisoformat(self.record["due_date"]) if self.record.get("due_date") else None

    def entered(self) -> date | None:
        """The first day of delinquency in the book; None without a due date or when paid before it."""
        due = self.due()
        if due is None:
            return None
        start = max(due + timedelta(days=1), self.first_seen)
        return None if self.paid_on is not None and self.paid_on < start else start

    def unpaid_at_start_of(self, day: date) -> bool:
        return self.paid_on is None or self.paid_on >= day

    def cost_usd(self, rates: Rates, last_day: date) -> dict[str, Decimal]:
        account_days = max((last_day - self.first_seen).days + 1, 0)
        return {
            "sms": self.sms_usd,
            "agent": self.counts["dials"] * rates.minutes_per_dial_attempt / 60 * rates.agent_cost_per_hour_usd,
            "field": self.counts["visits"] * rates.hours_per_field_visit * rates.field_cost_per_hour_usd,
            "aws": account_days * rates.aws_cost_per_account_day_usd,
        }


def _group_of(record: Mapping[str, Any]) -> tuple[str, str] | None:
    policy = record.get("policy") or str(record.get("policy_version") or "").split("@", 1)[0]
    return (policy, record.get("arm") or "-") if policy else None


def _zone(record: Mapping[str, Any], latest_contact: Mapping[str, Any] | None) -> tzinfo:
    if record.get("timezone"):
        return ZoneInfo(record["timezone"])
    if latest_contact and latest_contact.get("local_time"):
        return datetime.fromisoformat(latest_contact["local_time"]).tzinfo or UTC
    return UTC


def _country(phone: str | None) -> str | None:
    try:
        number = phonenumbers.parse(phone or "")
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.region_code_for_number(number) or phonenumbers.region_code_for_country_code(number.country_code)


def _outcome(event: Mapping[str, Any]) -> str | None:
    if event.get("outcome"):
        return str(event["outcome"])
    match = _OUTCOME.match(str(event.get("effect") or ""))
    return match[1] if match else None


def _paid_amount(event: Mapping[str, Any]) -> Decimal:
    if event.get("amount") is not None:
        return Decimal(str(event["amount"]))
    match = _PAID.match(str(event.get("effect") or ""))
    return Decimal(match[1]) if match else Decimal(0)  # an unknown amount recovers nothing we can show


def _add_contact(account: _Account, contact: Mapping[str, Any], rates: Rates) -> None:
    account.counts[contact.get("action", "?")] += 1
    if contact.get("action") != "sms":
        return
    parts = int(contact["parts"]) if contact.get("parts") is not None else sms_parts(contact.get("text") or "")
    price = rates.sms_usd_per_part.get(_country(contact.get("to")) or "US")
    if price is None:  # the country has no price of its own: priced at the US rate, and counted
        price, account.counts["sms_parts_as_us"] = rates.sms_usd_per_part["US"], account.counts["sms_parts_as_us"] + parts
    account.counts["sms_parts"] += parts
    account.sms_usd += parts * price


def _add_events(account: _Account, events: list[Mapping[str, Any]], zone: tzinfo) -> None:
    last_payment: date | None = None
    for event in sorted(events, key=lambda e: datetime.fromisoformat(e["at"])):
        day, kind, effect = datetime.fromisoformat(event["at"]).astimezone(zone).date(), event["type"], str(event.get("effect") or "")
        if kind == "call_outcome":
            account.counts.update(dials=1, phone_talks=_outcome(event) in PHONE_TALKS)
        elif kind == "visit_outcome":
            account.counts.update(visits=1, visit_talks=_outcome(event) in VISIT_TALKS)
        elif kind == "promise_to_pay":
            account.counts["promises"] += not effect.startswith("promise ignored")
        elif kind == "payment":
            account.recovered += _paid_amount(event)
            last_payment = day
            if account.paid_on is None and effect.startswith("paid in full"):
                account.paid_on = day
        elif kind == "new_account":
            account.first_seen = max(account.first_seen, day)
    if account.paid_on is None and account.record.get("status") == "paid":
        account.paid_on = last_payment


def _by_account(records: Records) -> dict[str, list[Mapping[str, Any]]]:
    grouped: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for record in records:
        grouped[str(record.get("account_id"))].append(record)
    return grouped


def _accounts(accounts: Records, contacts: Records, events: Records, first_day: date, rates: Rates) -> list[_Account]:
    contacts_of, events_of = _by_account(contacts), _by_account(e for e in events if e.get("note") == "applied")
    book = []
    for record in accounts:
        own = contacts_of[record["account_id"]]
        latest = max(own, key=lambda c: c["at"]) if own else None
        account = _Account(record, _group_of(record) or (latest and _group_of(latest)) or DEFAULT_GROUP, first_day)
        account.counts.update({name: int(record.get(name) or 0) for name in RECORD_COUNTERS})
        for contact in own:
            _add_contact(account, contact, rates)
        _add_events(account, events_of[record["account_id"]], _zone(record, latest))
        book.append(account)
    return book


# ---------------------------------------------------------------------- a group's figures
def _ratio(numerator: float, denominator: float) -> float | None:
    return None if denominator == 0 else round(numerator / denominator, 4)


def _cure(members: list[_Account], days: int, last_day: date) -> tuple[int, int]:
    """(matured cohort, cured in it) for a window of `days` days from entering delinquency."""
    cohort = cured = 0
    for account in members:
        entered = account.entered()
        if entered is None or entered + timedelta(days=days - 1) > last_day:
            continue
        cohort += 1
        cured += account.paid_on is not None and account.paid_on <= entered + timedelta(days=days - 1)
    return cohort, cured


def _roll(members: list[_Account], low: int, high: int, last_day: date) -> dict[str, Any]:
    observed = rolled = 0
    for account in members:
        entered, due = account.entered(), account.due()
        if entered is None or due is None:
            continue
        first_seen_in_bucket, next_bucket = max(entered, due + timedelta(days=low)), due + timedelta(days=high + 1)
        if first_seen_in_bucket >= next_bucket or next_bucket > last_day or not account.unpaid_at_start_of(first_seen_in_bucket):
            continue
        observed += 1
        rolled += account.unpaid_at_start_of(next_bucket)
    return {"observed": observed, "rolled": rolled, "rate": _ratio(rolled, observed)}


def _money(members: list[_Account], rates: Rates, last_day: date) -> dict[str, Any]:
    """recovered, cost_usd and cost_per_unit_recovered: each account's cost is allocated to its currency."""
    recovered: dict[str, Decimal] = defaultdict(Decimal)
    cost_of: dict[str, Decimal] = defaultdict(Decimal)
    cost: dict[str, Decimal] = defaultdict(Decimal)
    for account in members:
        currency = account.record.get("currency", "?")
        recovered[currency] += account.recovered
        for part, usd in account.cost_usd(rates, last_day).items():
            cost[part] += usd
            cost_of[currency] += usd
    return {
        "recovered": {currency: str(amount) for currency, amount in sorted(recovered.items())},
        "cost_usd": {part: str(usd.quantize(_CENT)) for part, usd in cost.items()} | {"total": str(sum(cost.values()).quantize(_CENT))},
        "cost_per_unit_recovered": {
            currency: str((cost_of[currency] / amount).quantize(_TEN_THOUSANDTH)) if amount else None
            for currency, amount in sorted(recovered.items())
        },
    }


def _group_figures(policy: str, arm: str, members: list[_Account], last_day: date, rates: Rates) -> dict[str, Any]:
    total: Counter[str] = sum((a.counts for a in members), Counter())
    conversations = total["phone_talks"] + total["visit_talks"]
    cures = {days: _cure(members, days, last_day) for days in CURE_DAYS}
    paid = sum(a.record.get("status") == "paid" for a in members)
    return {
        "policy": policy,
        "arm": arm,
        "accounts": len(members),
        "contacts": {action: total[action] for action in ACTIONS},
        "sms_parts": total["sms_parts"],
        "sms_parts_priced_as_us": total["sms_parts_as_us"],
        "dial_attempts": total["dials"],
        "visits_made": total["visits"],
        "conversations": conversations,
        "phone_conversations": total["phone_talks"],
        "right_party_contact_rate": _ratio(total["phone_talks"], total["dials"]),
        "promises": total["promises"],
        "promise_to_pay_rate": _ratio(total["promises"], conversations),
        "promises_kept": total["kept_promises"],
        "promises_broken": total["broken_promises"],
        "promise_kept_rate": _ratio(total["kept_promises"], total["kept_promises"] + total["broken_promises"]),
        **{f"cure_rate_{days}": _ratio(cured, cohort) for days, (cohort, cured) in cures.items()},
        "cure_cohorts": {str(days): cohort for days, (cohort, _) in cures.items()},
        "undated_accounts": sum(a.due() is None for a in members),
        "roll_rates": {f"{low}-{high}": _roll(members, low, high, last_day) for low, high in BUCKETS},
        "paid_accounts": paid,
        "paid_share": _ratio(paid, len(members)),
        "plans_kept": total["kept_plans"],
        "plans_broken": total["broken_plans"],
        "plan_kept_rate": _ratio(total["kept_plans"], total["kept_plans"] + total["broken_plans"]),
        **_money(members, rates, last_day),
    }


def compute_figures(
    contacts: Records,
    events: Records,
    accounts: Records,
    first_day: date,
    last_day: date,
    rates: Rates | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> dict[str, dict[str, Any]]:
    """The figures of each group, keyed "policy/arm" in sorted order; rates default to load_rates()."""
    if last_day < first_day:
        raise ValueError(f"last_day: {last_day} is before first_day {first_day}")
    rates = (rates or load_rates()).overridden(overrides or {})
    members: dict[tuple[str, str], list[_Account]] = defaultdict(list)
    for account in _accounts(accounts, contacts, events, first_day, rates):
        members[account.group].append(account)
    return {f"{policy}/{arm}": _group_figures(policy, arm, group, last_day, rates) for (policy, arm), group in sorted(members.items())}


# ---------------------------------------------------------------------- the table
def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _cell(name: str, value: Any) -> str:
    if isinstance(value, dict):  # a roll rate
        return f"{_pct(value['rate'])} {value['rolled']}/{value['observed']}"
    if "_rate" in name or name.endswith("_share"):
        return _pct(value)
    return "-" if value is None else str(value)


def _cells(figures: Mapping[str, Any]) -> dict[str, str]:
    """One group's figures as labelled cells, in their own order; a nested figure is one row per key."""
    cells = {}
    for name, value in figures.items():
        if isinstance(value, dict):
            cells |= {f"{name} {key}": _cell(name, inner) for key, inner in value.items()}
        elif name not in ("policy", "arm"):
            cells[name] = _cell(name, value)
    return cells


def figures_table(groups: Mapping[str, Mapping[str, Any]]) -> str:
    """A fixed-width table for a terminal: one row per figure, one column per group."""
    columns = [_cells(figures) for figures in groups.values()]
    labels = list(dict.fromkeys(label for cells in columns for label in cells))  # currencies may differ by group
    table = [["", *groups]] + [[label, *(cells.get(label, "-") for cells in columns)] for label in labels]
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    lines = [" ".join([row[0].ljust(widths[0]), *(c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True))]) for row in table]
    return "\n".join(line.rstrip() for line in lines)
