"""inevitable: make a historical counterfactual testable.

>>> import inevitable as inv
>>> sc = inv.scenario("granovetter")
>>> run = sc.run(seed=1)
"""

__version__ = "0.3.1"

from inevitable.engine import Mechanism, Output, Param, RunResult, Sim, Snapshot, Timeline
from inevitable.errors import InputError
from inevitable.scenarios.loader import Scenario, builtin_names, scenario


def run(scenario_ref, seed: int = 0, params=None, steps=None, **kw) -> RunResult:
    """Run a scenario (a :class:`Scenario`, a built-in name or a path) once."""
    sc = scenario_ref if isinstance(scenario_ref, Scenario) else scenario(scenario_ref)
    return sc.run(seed=seed, params={**(params or {}), **kw}, steps=steps)


_EXPERIMENTS = {
    "compare": "inevitable.experiments.compare",
    "curve": "inevitable.experiments.curve",
    "sensitivity": "inevitable.experiments.sensitivity",
    "discover": "inevitable.experiments.discover",
    "calibrate": "inevitable.experiments.calibrate",
    "validate": "inevitable.experiments.validate",
    "verdict": "inevitable.experiments.verdict",
}


def __getattr__(name: str):
    """``inv.compare``, ``inv.curve``, ...: the experiments, imported on first use
    (they bring DuckDB, SALib and Dask, which a single run does not need)."""
    if name in _EXPERIMENTS:
        import importlib

        return getattr(importlib.import_module(_EXPERIMENTS[name]), name)
    if name == "months":
        from inevitable.engine.timeline import months

        return months
    raise AttributeError(f"module 'inevitable' has no attribute '{name}'")


__all__ = [
    "InputError", "Mechanism", "Output", "Param", "RunResult", "Scenario", "Sim", "Snapshot",
    "Timeline", "builtin_names", "calibrate", "compare", "curve", "discover", "months", "run",
    "scenario", "sensitivity", "validate", "verdict",
]
