"""report.html: one page that shows what a scenario run (or `make demo`) did, for someone new to the project.

    write_report(out_dir) -> out_dir / "report.html"

Reads what `Replay.export` writes in out_dir — summary.json, contacts.jsonl, accounts.json, runs.jsonl,
events.jsonl and, when present, days.jsonl (one snapshot of the book per simulated day) — and writes a
single self-contained page: inline CSS, inline SVG charts drawn here, one small inline script (finding an
account among the timelines), nothing fetched. Phone numbers are masked and every text is escaped.

The modules, one job each:
    data       reading the export (Run, load)
    series     the numbers behind the charts (the stage series counts paid accounts as "paid")
    text       masking and escaping (mask_text; mask_phone is escalation.domain.phones')
    style      names, colours and marker shapes of actions, statuses, stages, events, skip reasons
    svg        SVG building blocks: frames, axes, stacked bars, markers, label spreading, wide/narrow pairs
    summary    the headline cards
    charts     contacts per day, status and stage over time, the recovery curve
    bars       the funnel and the skip reasons
    strategies the figures per strategy and arm (escalation.domain.figures), one table
    delivery   the texts' delivery rate per profile and local day, and why texts failed
    timelines  the per-account timelines
    finder     filters, search and pages over the timelines (the inline script)
    css        the stylesheet
    page       the page around the sections
"""

from __future__ import annotations

import sys
from pathlib import Path

from .data import load
from .page import failure_page, render
from .text import mask_phone, mask_text

__all__ = ["main", "mask_phone", "mask_text", "render", "write_report"]


def write_report(out_dir: Path) -> Path:
    """Write out_dir/report.html from the scenario export in out_dir; returns its path."""
    out_dir = Path(out_dir)
    path = out_dir / "report.html"
    try:
        page = render(load(out_dir))
    except Exception as exc:  # noqa: BLE001 - the report is a view: it never fails the run whose files it reads
        print(f"report.html: could not draw the report ({type(exc).__name__}: {mask_text(exc)})", file=sys.stderr)
        page = failure_page(exc)
    path.write_text(page, encoding="utf-8")
    return path


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m sim.report OUT_DIR   (a folder written by make scenario or make demo)")
        return 2
    print(write_report(Path(argv[0])))
    return 0
