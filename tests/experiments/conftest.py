"""Test models for the experiments: a Gaussian model whose ABC posterior is known."""

from __future__ import annotations

import numpy as np

from inevitable.engine import Mechanism, Output, Param, register
from inevitable.engine.params import Uniform


@register
class Gauss(Mechanism):
    """n draws of N(mu, sd): sd = 1 under theory A and 2 under theory B.

    Step 1 records the sample mean and sd; step 2 adds 100 to both, so a
    target read at the wrong step (or as a final value) cannot pass. ``scale``
    plays the flagship's part (people per agent): n * 10 / scale draws.
    """

    name = "test-gauss"
    params = {
        "mu": Param(0.0, "float", low=-10, high=10, prior=Uniform(low=-5, high=5),
                    source="test"),
        "n": Param(10, "int", low=2, high=10_000, source="test"),
        "scale": Param(10, "int", low=1, high=1000, source="test"),
        "theory": Param("A", "choice", choices=("A", "B"), source="test"),
    }
    series = {"xbar": Output("sample mean"), "s": Output("sample sd")}

    def init(self, sim):
        self.stats = self.alloc("stats", 2, np.float64)

    def step(self, sim):
        if sim.t == 1:
            sd = 1.0 if self.p.theory == "A" else 2.0
            n = max(2, self.p.n * 10 // self.p.scale)
            x = self.p.mu + sd * self.stream("x").normal(n)
            self.stats[:] = (x.mean(), x.std(ddof=1))
        else:
            self.stats[:] += 100.0

    def record(self, sim):
        return {"xbar": self.stats[0], "s": self.stats[1]}
