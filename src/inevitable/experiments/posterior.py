"""The result of a calibration: a weighted population of particles.

A :class:`Posterior` is what ABC-SMC leaves: particles (a theory and the
calibrated parameters), their weights and distances, the tolerance of each
generation, and the provenance needed to trust and reproduce it (scenario
name and content hash, code version, seed, settings and, when given, the
command that regenerates it). It saves to JSON and loads back exactly, and
draws parameter sets by weight for posterior-predictive runs.

A calibration that drew the nuisance parameters (the other parameters with
priors) also keeps, per particle, the nuisance values it ran with, so a
particle is a whole parameter set the record was checked against. Files
written before that have none; their nuisance parameters are then drawn
from the priors by whoever runs them, as before.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import TypeAdapter

from inevitable import __version__
from inevitable.engine.params import Prior
from inevitable.errors import InputError
from inevitable.experiments import priors as pri

FORMAT = "inevitable-posterior/1"


def run_params(names: Sequence[str], kinds: Sequence[str], priors: Sequence[Any],
               fixed: Mapping[str, Any], theory: str | None, theta: np.ndarray
               ) -> dict[str, Any]:
    """The parameters a run gets for a particle.

    The sampler moves integer parameters as real numbers (so that kernel
    densities stay densities); a run gets them rounded into their support.
    """
    out: dict[str, Any] = dict(fixed)
    for name, kind, p, x in zip(names, kinds, priors, theta, strict=True):
        if kind == "int":
            lo, hi = p.support
            v = round(float(x))
            v = max(v, math.ceil(lo)) if math.isfinite(lo) else v
            v = min(v, math.floor(hi)) if math.isfinite(hi) else v
            out[name] = int(v)
        else:
            out[name] = float(x)
    if theory is not None:
        out["theory"] = theory
    return out


def prior_to_json(prior) -> dict[str, Any]:
    """A prior as JSON-ready data; infinite bounds as the strings pydantic reads back."""
    return {k: (("inf" if v > 0 else "-inf") if isinstance(v, float) and math.isinf(v) else v)
            for k, v in prior.model_dump().items()}


def prior_from_json(data: Any):
    return TypeAdapter(Prior).validate_python(data)


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def _wquantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    order = np.argsort(x, kind="stable")
    cum = np.cumsum(w[order])
    cum = cum / cum[-1]
    return float(x[order][min(np.searchsorted(cum, q, side="left"), len(x) - 1)])


@dataclass
class Posterior:
    """The last ABC-SMC population, with how it was obtained.

    ``theta`` holds the calibrated parameters as the sampler moved them
    (integers unrounded); ``nuisance_values`` the nuisance parameters
    ``nuisance`` as drawn from their priors ``nuisance_priors`` (unrounded
    too); :attr:`particles` and :meth:`sample` give the values runs receive.
    """

    scenario: str
    scenario_hash: str
    params: list[str]
    kinds: list[str]
    priors: dict[str, dict[str, Any]]
    theories: list[str | None]
    fixed: dict[str, Any]
    targets: list[dict[str, Any]]
    theta: np.ndarray
    theory: list[str | None]
    weights: np.ndarray
    distances: np.ndarray
    errors: np.ndarray  # (particles, targets): standardised error of each target
    epsilons: list[float]
    history: list[dict[str, Any]]
    n_simulations: int
    settings: dict[str, Any]
    code_version: str = __version__
    command: str | None = None
    stopped: str | None = None
    computed: int = field(default=0, compare=False)  # runs not taken from a store
    nuisance: list[str] = field(default_factory=list)
    nuisance_kinds: list[str] = field(default_factory=list)
    nuisance_priors: dict[str, dict[str, Any]] = field(default_factory=dict)
    nuisance_values: np.ndarray | None = None  # (particles, len(nuisance))
    # how long the command that made it took; set by the CLI, not part of the result
    wall_seconds: float | None = field(default=None, compare=False)
    _priors: list[Any] = field(init=False, repr=False, compare=False)
    _nuisance_priors: list[Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._priors = [prior_from_json(self.priors[n]) for n in self.params]
        self._nuisance_priors = [prior_from_json(self.nuisance_priors[n])
                                 for n in self.nuisance]
        if self.nuisance_values is None:
            self.nuisance_values = np.zeros((len(self.weights), len(self.nuisance)))
        self.nuisance_values = np.asarray(self.nuisance_values, dtype=float).reshape(
            len(self.weights), len(self.nuisance))
        if len(self.nuisance_kinds) != len(self.nuisance):
            raise ValueError("nuisance kinds do not match the nuisance parameters")

    def carries(self, name: str, prior: Any) -> bool:
        """Whether runs should take ``name`` from the particles rather than from ``prior``.

        Only when the particles hold values for it drawn from that very prior:
        under another prior (a sceptic's, or a changed scenario) the stored
        values answer a question nobody is asking, so the prior wins.
        """
        if name not in self.nuisance:
            return False
        return prior_from_json(self.nuisance_priors[name]) == prior

    # -- views -------------------------------------------------------------------
    @property
    def theory_probabilities(self) -> dict[str, float]:
        """Posterior chance of each theory compared (empty for a single-model scenario)."""
        if self.theories == [None]:
            return {}
        return {t: float(sum(w for w, m in zip(self.weights, self.theory, strict=True)
                             if m == t)) for t in self.theories}

    def _run_params(self, i: int) -> dict[str, Any]:
        out = run_params(self.params, self.kinds, self._priors, self.fixed, self.theory[i],
                         self.theta[i])
        if self.nuisance:
            assert self.nuisance_values is not None
            out.update(run_params(self.nuisance, self.nuisance_kinds, self._nuisance_priors,
                                  {}, None, self.nuisance_values[i]))
        return out

    @property
    def particles(self) -> list[dict[str, Any]]:
        """Each particle as the parameters a run gets.

        Calibrated, nuisance (when the calibration drew them) and fixed ones,
        and the theory.
        """
        return [self._run_params(i) for i in range(len(self.weights))]

    @property
    def ess(self) -> float:
        """Effective sample size of the weighted population, 1 / sum(w^2)."""
        return float(1.0 / np.sum(self.weights ** 2))

    def sample(self, n: int, seed: int = 0) -> list[dict[str, Any]]:
        """``n`` parameter sets drawn by weight, for posterior-predictive runs."""
        if n < 1:
            raise InputError("must be at least 1", "--reps")
        rng = np.random.default_rng([int(seed), 0x5A3])
        cum = np.cumsum(self.weights)
        idx = np.minimum(np.searchsorted(cum, rng.random(n) * cum[-1], side="right"),
                         len(cum) - 1)
        return [self._run_params(int(i)) for i in idx]

    def summary(self, theory: str | None = None) -> dict[str, dict[str, float]]:
        """Weighted mean, sd and central 95% credible interval of each parameter.

        ``theory`` restricts to that theory's particles (reweighted).
        """
        sel = np.ones(len(self.weights), dtype=bool)
        if theory is not None:
            if theory not in self.theories:
                raise InputError(f"unknown theory '{theory}'", "--theory")
            sel = np.array([t == theory for t in self.theory])
        out: dict[str, dict[str, float]] = {}
        w = self.weights[sel]
        if not sel.any() or w.sum() == 0:
            return {n: {"mean": math.nan, "sd": math.nan, "low": math.nan, "high": math.nan}
                    for n in self.params}
        w = w / w.sum()
        for j, name in enumerate(self.params):
            x = self.theta[sel, j]
            mean = float(w @ x)
            out[name] = {"mean": mean, "sd": float(math.sqrt(max(w @ (x - mean) ** 2, 0.0))),
                         "low": _wquantile(x, w, 0.025), "high": _wquantile(x, w, 0.975)}
        return out

    def contraction(self) -> dict[str, float]:
        """Posterior sd over prior sd, per parameter: how much the record narrowed it.

        1 is nothing learnt; the prior's sd is taken on a fine grid of its
        quantiles, so every kind of prior is measured the same way.
        """
        grid = (np.arange(4000) + 0.5) / 4000
        out = {}
        for name, s in self.summary().items():
            prior_sd = float(np.std(self._priors[self.params.index(name)].ppf(grid)))
            out[name] = s["sd"] / prior_sd if prior_sd > 0 else math.nan
        return out

    def fit(self) -> list[dict[str, Any]]:
        """How well the posterior's runs meet each target, worst first.

        Weighted median standardised error per target (0 = on the record or
        inside its range; 1 = one sd, or one half-width outside the range):
        the targets the model cannot meet drive an equal-weighted distance,
        and the posterior, most. Under a declared or information weighting
        each entry also carries the target's ``weight`` in the distance.
        """
        weights = {row[0]: row[1] for row in
                   self.settings.get("weighting", {}).get("targets", [])}
        out = []
        for j, t in enumerate(self.targets):
            e = self.errors[:, j]
            row = {"id": t["id"], "median_error": _wquantile(e, self.weights, 0.5),
                   "mean_error": float(self.weights @ e / self.weights.sum())}
            if weights:
                row["weight"] = weights.get(t["id"], 0.0)
            out.append(row)
        return sorted(out, key=lambda d: -d["median_error"])

    def table(self):
        """A rich table: parameter posteriors against priors, then theory chances."""
        from rich.table import Table

        eps = ", ".join(f"{e:.3g}" for e in self.epsilons)
        acc = ", ".join(f"{h['acceptance']:.2f}" for h in self.history if "acceptance" in h)
        worst = ", ".join(f"{f['id']} {f['median_error']:.3g}" for f in self.fit()[:3])
        took = (f" in {self.wall_seconds / 60:.1f} min" if self.wall_seconds is not None
                else "")
        t = Table(title=f"{self.scenario}: ABC-SMC posterior ({len(self.weights)} particles, "
                        f"{len(self.epsilons)} generations, {self.n_simulations} runs{took})",
                  caption=f"tolerance by generation: {eps}; acceptance: {acc}; "
                          f"{len(self.targets)} targets (worst met: {worst}); "
                          f"ESS {self.ess:.0f}"
                          + (f"; targets weighted ({self.settings['weighting']['kind']})"
                             if "weighting" in self.settings else "")
                          + (f"; stopped: {self.stopped}" if self.stopped else ""))
        for col in ("quantity", "posterior mean", "sd", "sd / prior sd",
                    "95% credible interval", "prior"):
            t.add_column(col, justify="left" if col in ("quantity", "prior") else "right")
        shrink = self.contraction()
        for name, s in self.summary().items():
            t.add_row(name, f"{s['mean']:.4g}", f"{s['sd']:.3g}", f"{shrink[name]:.2f}",
                      f"[{s['low']:.4g}, {s['high']:.4g}]",
                      pri.describe(self._priors[self.params.index(name)]))
        probs = self.theory_probabilities
        for th, p in probs.items():
            t.add_row(f"P(theory = {th})", f"{p:.3f}", "", "", "", f"1/{len(probs)}")
        return t

    # -- files ---------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        nu = self.nuisance_values
        assert nu is not None
        return {
            "format": FORMAT,
            "scenario": self.scenario, "scenario_hash": self.scenario_hash,
            "code_version": self.code_version, "command": self.command,
            **({"wall_seconds": self.wall_seconds} if self.wall_seconds is not None else {}),
            "settings": self.settings,
            "params": self.params, "kinds": self.kinds, "priors": self.priors,
            "theories": self.theories, "fixed": self.fixed, "targets": self.targets,
            "epsilons": [_finite(e) for e in self.epsilons],
            "history": self.history, "n_simulations": self.n_simulations,
            "stopped": self.stopped,
            "theory_probabilities": self.theory_probabilities,
            "summary": self.summary(),
            "contraction": {n: _finite(c) for n, c in self.contraction().items()},
            "fit": self.fit(),
            "nuisance": self.nuisance, "nuisance_kinds": self.nuisance_kinds,
            "nuisance_priors": self.nuisance_priors,
            "particles": [{"theory": self.theory[i],
                           "theta": [float(x) for x in self.theta[i]],
                           "weight": float(self.weights[i]),
                           "distance": _finite(self.distances[i]),
                           "errors": [_finite(x) for x in self.errors[i]],
                           **({"nuisance": [float(x) for x in nu[i]]} if self.nuisance
                              else {})}
                          for i in range(len(self.weights))],
        }

    def save(self, path: str | Path, command: str | None = None) -> Path:
        """Write the posterior as JSON (written whole, then moved into place)."""
        if command is not None:
            self.command = command
        path = Path(path)
        if str(path.parent) and not path.parent.is_dir():
            raise InputError(f"directory '{path.parent}' does not exist", str(path))
        from inevitable.store.files import write_text

        return write_text(path, json.dumps(self.to_dict(), indent=1, allow_nan=False) + "\n")

    @classmethod
    def load(cls, path: str | Path) -> Posterior:
        """Read a file written by :meth:`save`; anything else is an InputError."""
        where = str(path)
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError("no such file", where) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read: {exc}", where) from None
        except json.JSONDecodeError as exc:
            raise InputError(f"not a posterior file (invalid JSON: {exc.msg}, line "
                             f"{exc.lineno})", where) from None
        return cls.from_dict(data, where)

    @classmethod
    def from_dict(cls, data: Any, where: str = "posterior") -> Posterior:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise InputError(f"not a posterior file (expected format '{FORMAT}')", where)
        try:
            params = [str(p) for p in data["params"]]
            parts = data["particles"]
            if not parts:
                raise ValueError("no particles")
            theta = np.array([[float(x) for x in p["theta"]] for p in parts],
                             dtype=float).reshape(len(parts), len(params))
            weights = np.array([float(p["weight"]) for p in parts])
            # files from before nuisance parameters were kept have none of these fields
            nuisance = [str(n) for n in data.get("nuisance", [])]
            if nuisance and any(len(p["nuisance"]) != len(nuisance) for p in parts):
                raise ValueError("particles' nuisance values do not match its nuisance "
                                 "parameters")
            nuisance_values = np.array(
                [[float(x) for x in (p["nuisance"] if nuisance else [])] for p in parts],
                dtype=float).reshape(len(parts), len(nuisance))
            if not (np.all(weights >= 0) and weights.sum() > 0):
                raise ValueError("weights must be non-negative and not all zero")
            post = cls(
                scenario=str(data["scenario"]), scenario_hash=str(data["scenario_hash"]),
                params=params, kinds=[str(k) for k in data["kinds"]],
                priors=dict(data["priors"]), theories=list(data["theories"]),
                fixed=dict(data["fixed"]), targets=list(data["targets"]), theta=theta,
                theory=[p["theory"] for p in parts], weights=weights,
                distances=np.array([math.inf if p["distance"] is None else float(p["distance"])
                                    for p in parts]),
                errors=np.array([[math.inf if x is None else float(x) for x in p["errors"]]
                                 for p in parts], dtype=float).reshape(
                                     len(parts), len(data["targets"])),
                epsilons=[math.inf if e is None else float(e) for e in data["epsilons"]],
                history=list(data["history"]), n_simulations=int(data["n_simulations"]),
                settings=dict(data["settings"]), code_version=str(data["code_version"]),
                command=data.get("command"), stopped=data.get("stopped"),
                wall_seconds=(None if data.get("wall_seconds") is None
                              else float(data["wall_seconds"])),
                nuisance=nuisance,
                nuisance_kinds=[str(k) for k in data.get("nuisance_kinds", [])],
                nuisance_priors=dict(data.get("nuisance_priors", {})),
                nuisance_values=nuisance_values)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            what = f"missing field {exc}" if isinstance(exc, KeyError) else (
                str(exc).splitlines()[0])
            raise InputError(f"not a valid posterior file ({what})", where) from None
        if len(post.kinds) != len(params) or any(t not in post.theories for t in post.theory):
            raise InputError("not a valid posterior file (particles do not match its "
                             "parameters or theories)", where)
        return post
