"""Scenario files: validate them (files), replay them through the local stack (replay), write what the system
did (export), from the command line (run: `python -m sim.scenarios`); and the demo (demo)."""

from .export import account_json, contact_json, export
from .files import DUE_DATES, ENUMS, EVENT_FIELDS, PROFILES, Scenario, ScenarioError, bus_detail, load_scenario, validate
from .replay import Replay, run_instants
from .run import main, run_scenario

__all__ = [
    "DUE_DATES",
    "ENUMS",
    "EVENT_FIELDS",
    "PROFILES",
    "Replay",
    "Scenario",
    "ScenarioError",
    "account_json",
    "bus_detail",
    "contact_json",
    "export",
    "load_scenario",
    "main",
    "run_instants",
    "run_scenario",
    "validate",
]
