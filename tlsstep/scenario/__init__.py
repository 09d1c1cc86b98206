"""Scenario files: a TLS conversation written down as steps with expectations.

Public API::

    load(path) -> Scenario                 # raises ScenarioError (FILE:LINE)
    loads(text, path=...) -> Scenario
    find_files([file_or_dir, ...]) -> list[Path]
    run(scenario) -> ScenarioResult        # .status: pass | fail | invalid
    session.subscribe(Recorder())          # keeps steps with expectations of what happened
    dump(config, steps, name=..., description=...) -> str   # TOML text

Results as JSON dicts and JUnit XML are presentation: :mod:`tlsstep.render.scenario_results`.
"""

from __future__ import annotations

from .dump import dump
from .expect import step_side
from .load import Scenario, find_files, load, loads
from .result import Mismatch, ScenarioResult, StepReport
from .run import Recorder, expectations_from, run

__all__ = [
    "Mismatch",
    "Recorder",
    "Scenario",
    "ScenarioResult",
    "StepReport",
    "dump",
    "expectations_from",
    "find_files",
    "load",
    "loads",
    "run",
    "step_side",
]
