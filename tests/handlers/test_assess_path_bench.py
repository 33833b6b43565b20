"""The AssessAccounts measurement (sim/bench/assess_path.py) at a toy size: it runs, replays what it recorded, and
reports its figure and breakdown. A smoke test, not a benchmark: nothing here asserts a timing."""

import math

import pytest

from sim.bench.assess_path import measure_assess_path


@pytest.fixture(scope="module")
def measured():
    return measure_assess_path(batches=1, seconds=0.01)


def test_the_figure_is_measured(measured):
    rate = measured["assess_accounts_per_cpu_second"]
    assert isinstance(rate, float) and math.isfinite(rate) and rate > 0
    assert measured["accounts"] == measured["batch_size"]


def test_the_replay_answered_the_batch_reads_and_the_breakdown_names_them(measured):
    assert measured["aws_calls_per_batch"]["dynamodb.BatchGetItem"] >= 2  # the accounts, their numbers' records
    phases = measured["phases_us_per_account"]
    assert "aws: BatchGetItem" in phases and "decide" in phases and "read: accounts, decoded" in phases
