"""`make bench`: how fast, how many AWS calls, and what it costs.

    python -m sim.bench --out DIR [--quick]

Writes DIR/bench.json and prints a table against the targets. What is measured:

- decisions_per_second: the ladder and guardrails (`decide` + `next_check`) on realistic
  accounts (CN/US/EU, every stage, caps, holds, promises, opt-outs), pure Python, one core.
- api_calls_per_contacted_account: AWS calls the Lambda code makes during one daily run on
  the local harness (moto), counted by patching botocore's client call and attributed to
  the handler running in that thread; the orchestration's own calls (moto's Step Functions
  invoking Lambda, reading the manifest) are reported apart, and the bench's own calls not at all.
- e2e_accounts_per_second (and at 10k): the real daily-run state machine on moto, every
  account due with an action due, one execution timed from start to finish (moto's speed,
  not AWS's: it runs every Lambda in this process on one interpreter).
- plan_seconds_100k: PlanRun over a 100,000-account table (a share of them due).
- cost_per_1000_due_accounts_usd and the ratio against one Standard execution per account:
  sim.bench.cost_model over the counts above and infra/prices.json. Lambda durations on AWS are
  modelled from each handler's own CPU and deliberate waiting, measured one call at a time
  (`measure_code_cpu`), plus an assumed round trip per counted AWS call.
- handler_import_ms: each handler's cold import in a fresh interpreter, and bare boto3's.

Benchmarks are not tests: nothing here asserts a timing; the table says pass or fail.
"""

# The modules, one job each:
#   accounts      realistic synthetic accounts, and loading them into the accounts table
#   decisions     decisions per second (pure Python, one core)
#   calls         counting AWS calls by the handler that makes them (ApiCallCounter)
#   shape         which function the daily run invokes where, from template.yaml and the ASL
#   daily_run     one daily run end to end on moto, timed and counted
#   handler_time  each handler's own CPU and waiting, one call at a time
#   plan          PlanRun over a 100k-account table
#   imports       cold-start import timings against bare boto3
#   costs         from a measured run to dollars (the model itself: cost_model)
#   bill_inputs   the monthly bill's inputs: Measured (from a run), Assumptions, TemplateFacts, SMS prices, retention
#   bill_lines    the monthly bill of a book at steady state, line by line (monthly_bill)
#   bill_figures  the steady-state headline figures bench.json holds (steady_state_figures), the what-ifs
#   monthly       the monthly bill's command line (python -m sim.bench.monthly), re-exporting the three above
#   run           the whole bench: bench.json, the targets, the command line (__main__)
#   table         the printed table

from typing import Any

__all__ = ["TARGETS", "Sizes", "format_table", "run_bench"]

_EXPORTS = {"TARGETS": "run", "Sizes": "run", "run_bench": "run", "format_table": "table"}


def __getattr__(name: str) -> Any:
    """The bench's entry points, imported on first use: `from sim.bench import cost_model` stays free of moto and botocore."""
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
