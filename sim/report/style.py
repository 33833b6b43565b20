"""The page's vocabulary: what each action, status, stage and event is called, its colour and its marker shape."""

from __future__ import annotations

ACTIONS = ("sms", "call", "visit", "legal_review", "legal_referral")
PLURALS = {"sms": "SMS", "call": "calls", "visit": "visits", "legal_review": "legal reviews", "legal_referral": "referrals"}
ACTION_LABELS = {
    "sms": "SMS",
    "call": "Agent call",
    "visit": "Field visit",
    "legal_review": "Legal review",
    "legal_referral": "Legal referral",
}
# Tableau 10: distinguishable, and readable for the common colour-vision deficiencies.
ACTION_COLORS = {"sms": "#4C78A8", "call": "#F58518", "visit": "#54A24B", "legal_review": "#B279A2", "legal_referral": "#E45756"}
ACTION_SHAPES = {"sms": "dot", "call": "square", "visit": "diamond", "legal_review": "up", "legal_referral": "down"}

STATUSES = ("active", "promise", "hold", "legal", "paid", "closed")
STATUS_LABELS = {
    "active": "Active (being escalated)",
    "promise": "Promise to pay",
    "hold": "On hold",
    "legal": "Referred to legal",
    "paid": "Paid in full",
    "closed": "Closed",
}
STATUS_COLORS = {"active": "#4C78A8", "promise": "#EECA3B", "hold": "#9D755D", "legal": "#B279A2", "paid": "#54A24B", "closed": "#79706E"}

# The ladder's stages, then "paid": an account paid in full leaves the ladder (its own stage stays frozen).
STAGES = ("pre_due", "early", "follow_up", "field", "legal")
STAGE_LABELS = {
    "pre_due": "Pre-due",
    "early": "Early (D+1…D+6)",
    "follow_up": "Follow-up (D+7…)",
    "field": "Field visit",
    "legal": "Legal",
    "paid": "Paid in full",
}
# Paid is the status chart's green, so the two charts' paid areas can be compared; field visits take teal.
STAGE_COLORS = {
    "pre_due": "#9ECAE9",
    "early": "#4C78A8",
    "follow_up": "#F58518",
    "field": "#72B7B2",
    "legal": "#B279A2",
    "paid": STATUS_COLORS["paid"],
}
UNKNOWN_COLOR = "#BBBBBB"
PAID_SHADE = "#DCEFD9"  # a timeline row from the payment that settled the account on

# Borrower events on the timelines: (label, colour, shape).
EVENT_STYLES = {
    "payment": ("Payment", "#2E7D32", "up"),
    "promise_to_pay": ("Promise to pay", "#C9A400", "diamond"),
    "call_outcome": ("Call / visit outcome", "#555555", "ring"),
    "visit_outcome": ("Call / visit outcome", "#555555", "ring"),
    "legal_decision": ("Reviewer's legal decision", "#7B3F8C", "ring"),
    "dispute_opened": ("Dispute, hold, opt-out", "#B23A3A", "cross"),
    "cease_contact": ("Dispute, hold, opt-out", "#B23A3A", "cross"),
    "hold_placed": ("Dispute, hold, opt-out", "#B23A3A", "cross"),
    "opt_out": ("Dispute, hold, opt-out", "#B23A3A", "cross"),
}
OTHER_EVENT = ("Other event (hold lifted, balance update, …)", "#999999", "dot")
REJECTED_COLOR = "#BBBBBB"

SKIP_REASONS = {
    "outside_window": "outside the borrower's contact window (rescheduled to its next opening)",
    "one_per_channel_per_day": "another rule already used that channel today",
    "promise_in_force": "a promise to pay is in force",
    "nothing_owed": "nothing owed",
    "sms_daily_cap": "daily SMS cap reached",
    "sms_weekly_cap": "weekly SMS cap reached",
    "call_daily_cap": "daily call-attempt cap reached",
    "calls_7_in_7": "7 calls in 7 days reached (US)",
    "post_conversation_pause": "pause after a conversation (US: 7 days)",
    "third_party_number": "the number is listed as a third party's",
    "changed_during_run": "a borrower event changed the account during the run",
    "recovered_crashed_dispatch": "finished a dispatch that crashed earlier",
    "promise_broken": "note: a promise was broken, the ladder resumed",
    "hold_ended": "note: a dated hold ended",
    "legal_review_waiting": "note: a legal review is waiting for a reviewer",
    "legal_review_expired": "note: a legal review expired undecided",
}
SKIP_PREFIXES = {"hold_": "on hold: ", "status_": "status: ", "opted_out_": "borrower opted out of "}

PALETTE = ("#54A24B", "#4C78A8", "#F58518", "#E45756", "#72B7B2", "#B279A2", "#9D755D", "#79706E")

FONT = '-apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", "Noto Sans CJK SC", sans-serif'
MONO = 'ui-monospace, Menlo, Consolas, "DejaVu Sans Mono", monospace'
# Every chart is drawn three times, for a wide, a medium and a narrow screen (the page's CSS shows one of them): these
# are their widths in SVG units. Each SVG scales to the width of the page (viewBox, width 100%), so its text keeps
# between about 0.75 and 1.2 times its size at any screen width.
WIDE = 1100
MEDIUM = 720
NARROW = 400
CHART_WIDTHS = {"wide": WIDE, "medium": MEDIUM, "narrow": NARROW}
MEDIUM_SCREEN = 960  # px: below this the medium drawings are shown
NARROW_SCREEN = 560  # px: below this the narrow ones
PHONE_SCREEN = 700  # px: below this the timelines put each account's label above its lane


def skip_label(reason: str) -> str:
    """A skip reason (runs.jsonl, summary.json) in words."""
    if reason in SKIP_REASONS:
        return SKIP_REASONS[reason]
    for prefix, text in SKIP_PREFIXES.items():
        if reason.startswith(prefix):
            return text + reason[len(prefix) :].replace("_", " ")
    return reason.replace("_", " ")
