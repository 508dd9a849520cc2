"""The simulation engine: clock, random streams, state arrays, the step loop, snapshots.

It imports nothing from the rest of the package: scenarios, experiments, the
CLI and the web all build on it, never the other way round.
"""

from inevitable.engine.mechanism import Mechanism, Output
from inevitable.engine.params import Param
from inevitable.engine.registry import register
from inevitable.engine.result import RunResult
from inevitable.engine.rng import Stream
from inevitable.engine.sim import Sim
from inevitable.engine.snapshot import Snapshot
from inevitable.engine.timeline import Timeline

__all__ = [
    "Mechanism", "Output", "Param", "RunResult", "Sim", "Snapshot", "Stream", "Timeline",
    "register",
]
