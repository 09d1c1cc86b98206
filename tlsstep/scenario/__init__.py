"""Scenario files: a TLS conversation written down as steps with expectations.

Public API::

    load(path) -> Scenario                 # raises ScenarioError (FILE:LINE)
    loads(text, path=...) -> Scenario
    find_files([file_or_dir, ...]) -> list[Path]
    run(scenario) -> ScenarioResult        # .status: pass | fail | invalid
    session.subscribe(Recorder())          # keeps steps with expectations of what happened
    dump(config, steps, name=..., description=...) -> str   # TOML text
    result_dict(result), junit(results, invalid), failure_text(result), step_text(step)
"""

from __future__ import annotations

from .dump import dump
from .expect import Mismatch, step_side
from .load import Scenario, find_files, load, loads
from .results import failure_text, invalid_dict, junit, result_dict, step_text
from .run import Recorder, ScenarioResult, StepReport, expectations_from, run

__all__ = [
    "Mismatch",
    "Recorder",
    "Scenario",
    "ScenarioResult",
    "StepReport",
    "dump",
    "expectations_from",
    "failure_text",
    "find_files",
    "invalid_dict",
    "junit",
    "load",
    "loads",
    "result_dict",
    "run",
    "step_side",
    "step_text",
]
