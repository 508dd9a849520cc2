"""Shared test helpers: a toy stochastic mechanism and an in-process CLI runner."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from hypothesis import settings

from inevitable.engine import Mechanism, Output, Param, register
from inevitable.engine.rng import uniform

# Timing deadlines test the machine, not the code: a loaded CI runner (or the
# first call compiling a numba kernel) would fail them at random.
settings.register_profile("inevitable", deadline=None)
settings.load_profile("inevitable")


@register
class RandomWalkers(Mechanism):
    """Toy model for engine tests: walkers take +-1 steps; a drift parameter can
    be switched on from a given step, which makes two arms that differ only
    after that step."""

    name = "test-walkers"
    params = {
        "walkers": Param(50, "int", low=1, high=10_000, source="test"),
        "drift": Param(0.0, "float", low=-1, high=1, source="test"),
        "drift_from": Param(0, "int", low=0, high=10_000, source="test"),
    }
    series = {"mean_position": Output("mean position"), "spread": Output("sd of positions")}
    finals = {"max_position": Output("largest position")}

    def init(self, sim):
        self.pos = self.alloc("pos", self.p.walkers, np.float64)
        self.pos[:] = self.stream("start").normal(self.p.walkers)

    def step(self, sim):
        u = self.stream("step").uniform(self.p.walkers)
        drift = self.p.drift if sim.t >= self.p.drift_from else 0.0
        self.pos += np.where(u < 0.5 + drift / 2, 1.0, -1.0)

    def record(self, sim):
        return {"mean_position": self.pos.mean(), "spread": self.pos.std()}

    def finalize(self, sim):
        return {"max_position": float(self.pos.max())}


@register
class DoesNothing(Mechanism):
    """A mechanism that draws nothing and changes nothing."""

    name = "test-noop"

    def step(self, sim):
        self.stream("unused")  # asking for a stream draws nothing


@register
class DrawsButIgnores(Mechanism):
    """A mechanism that draws from its own stream every step and ignores it."""

    name = "test-draws"

    def init(self, sim):
        self.scratch = self.alloc("scratch", 10, np.float64)

    def step(self, sim):
        self.scratch[:] = self.stream("noise").uniform(10)
        uniform(self.stream("noise").key, sim.t, 0, 0)


@pytest.fixture
def cli(capsys, monkeypatch):
    """Run the CLI in-process: returns (exit status, stdout, stderr)."""
    from inevitable.cli import main

    def run(*args: str, stdin: str | None = None):
        monkeypatch.setattr(sys, "argv", ["inevitable", *args])
        if stdin is not None:
            import io

            monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run
