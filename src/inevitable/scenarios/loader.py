"""Find, read and check scenarios; build simulations from them.

A built-in scenario is addressed by its name (``epstein``), a user's by its
path (``my/scenario.yaml``). Loading checks everything that can be checked
before a run starts (mechanism names, parameter names, types, ranges, priors,
sources, event dates, outputs, bounds), so a bad file stops here with one line
naming file, line and field, and nothing runs.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from inevitable import __version__
from inevitable.engine.mechanism import Mechanism
from inevitable.engine.params import Param
from inevitable.engine.registry import all_mechanisms
from inevitable.engine.result import RunResult
from inevitable.engine.sim import Sim, declared_params
from inevitable.engine.timeline import Timeline, month_index, parse_month
from inevitable.errors import InputError
from inevitable.scenarios.schema import ScenarioSpec
from inevitable.scenarios.yamlsource import YamlSource

BUILTIN_PACKAGE = "inevitable.scenarios.builtin"


@dataclass(frozen=True)
class Scenario:
    """A checked scenario, ready to run. Obtain one with :func:`scenario`."""

    spec: ScenarioSpec
    source: str
    text: str = field(repr=False)
    mechanisms: tuple[type[Mechanism], ...] = field(repr=False)
    decls: dict[str, Param] = field(repr=False)
    values: dict[str, Any] = field(repr=False)
    priors: dict[str, Any] = field(repr=False)
    timeline: Timeline = field(repr=False)
    events: tuple[dict[str, Any], ...] = field(repr=False)
    digest: str = field(repr=False, default="")
    # what mechanisms read from the scenario besides parameters (strategies, game)
    sim_data: dict[str, Any] = field(repr=False, default_factory=dict)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def title(self) -> str:
        return self.spec.title

    @property
    def hash(self) -> str:
        """A digest of the scenario's content (not its path): part of every run's key."""
        return self.digest

    def check_overrides(self, overrides: Mapping[str, Any], where: str = "--set") -> dict:
        """Overrides checked against the declarations; errors name the parameter."""
        out = {}
        for name, value in overrides.items():
            if name not in self.decls:
                raise InputError(_unknown_param(name, self.decls), f"{where} {name}")
            try:
                out[name] = self.decls[name].coerce(name, value)
            except InputError as exc:
                raise InputError(str(exc), f"{where} {name}") from None
        return out

    def with_strategies(self, extra: Mapping[str, Any], where: str = "strategies") -> Scenario:
        """This scenario with more strategies (a user's own, written in the explorer).

        The copy is a scenario in its own right, with its own text and hash, so
        workers receive it as text and its runs never mix with the original's
        in the store. A bad strategy is an :class:`InputError` at ``where``.
        """
        import yaml

        clash = sorted(set(extra) & set(self.spec.strategies))
        if clash:
            raise InputError(f"a strategy named '{clash[0]}' exists already", where)
        data = yaml.safe_load(self.text)
        data["strategies"] = {**(data.get("strategies") or {}), **extra}
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
        try:
            return parse(text, f"{self.source}+{'+'.join(extra)}")
        except InputError as exc:
            message = exc.message
            for name in extra:  # the copy's own line numbers would mean nothing to a user
                message = message.removeprefix(f"strategies.{name}: ")
            raise InputError(message, where) from None

    def with_priors(self, priors: Mapping[str, Any], where: str = "--prior") -> Scenario:
        """This scenario with some parameters' priors replaced (a reader's own beliefs).

        ``priors`` maps a parameter to a prior as a scenario file writes it
        (``{dist: beta, a: 1, b: 9}``). The copy is written into the scenario's
        text, so every experiment and worker sees the same priors and the hash
        says the study differs. A bad prior is an :class:`InputError` at
        ``where NAME`` naming what is wrong, checked as a scenario file is.
        """
        import yaml

        data = yaml.safe_load(self.text)
        params = data.setdefault("parameters", None) or {}
        for name, prior in priors.items():
            at = f"{where} {name}"
            if name not in self.decls:
                raise InputError(_unknown_param(name, self.decls), at)
            if self.decls[name].kind not in ("float", "int"):
                raise InputError(f"a {self.decls[name].kind} parameter has no prior to "
                                 "replace (only float and int ones are drawn)", at)
            if not isinstance(prior, dict) or "dist" not in prior:
                raise InputError(f"expected a prior such as {{dist: uniform, low: 0, high: 1}}"
                                 f", got {prior!r}", at)
            entry = dict(params.get(name) or {})
            entry["prior"] = prior
            if not (entry.get("source") or entry.get("assumption")):
                entry["source"] = f"prior set on the command line ({where})"
            params[name] = entry
        data["parameters"] = params
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
        try:
            return parse(text, f"{self.source}+priors")
        except InputError as exc:
            for name in priors:  # the copy's line numbers would mean nothing to a user
                prefix = f"parameters.{name}."
                if exc.message.startswith(prefix):
                    raise InputError(exc.message.removeprefix(prefix),
                                     f"{where} {name}") from None
            raise InputError(exc.message, where) from None

    def sim(
        self, seed: int = 0, params: Mapping[str, Any] | None = None, steps: int | None = None
    ) -> Sim:
        values = {**self.values, **self.check_overrides(params or {})}
        timeline = self.timeline if steps is None else self.timeline.with_steps(int(steps))
        if timeline.steps < 1:
            raise InputError("steps must be at least 1", "--steps")
        return Sim(
            self.mechanisms, timeline=timeline, seed=seed, params=values, events=self.events,
            data=self.sim_data,
            meta={"scenario": self.name, "scenario_hash": self.hash, "code_version": __version__},
        )

    def run(
        self,
        seed: int = 0,
        params: Mapping[str, Any] | None = None,
        steps: int | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> RunResult:
        return self.finish(self.sim(seed, params, steps).run(progress=progress))

    def finish(self, result: RunResult) -> RunResult:
        """Attach the model's chronicle, then keep the outputs the scenario asks for."""
        tellers = [c.chronicle for c in self.mechanisms if hasattr(c, "chronicle")]
        if tellers:
            events = self.events
            result.chronicler = lambda r, full=result.series: tellers[0](
                RunResult(full, r.final, r.labels, r.seed, r.params, r.meta), events)
        wanted = self.spec.outputs.series
        if wanted is not None:
            result.series = {k: result.series[k] for k in wanted}
        return result


def builtin_names() -> list[str]:
    root = resources.files(BUILTIN_PACKAGE)
    return sorted(p.name[:-5] for p in root.iterdir() if p.name.endswith(".yaml"))


def scenario(ref: str | Path) -> Scenario:
    """Load a built-in scenario by name, or a scenario file by path."""
    text, source = _read(ref)
    return parse(text, source)


def _read(ref: str | Path) -> tuple[str, str]:
    ref_s = str(ref)
    looks_like_path = isinstance(ref, Path) or "/" in ref_s or ref_s.endswith((".yaml", ".yml"))
    if not looks_like_path:
        if ref_s in builtin_names():
            text = resources.files(BUILTIN_PACKAGE).joinpath(f"{ref_s}.yaml").read_text()
            return text, ref_s
        if not Path(ref_s).exists():
            raise InputError(
                f"unknown scenario '{ref_s}' (built-in: {', '.join(builtin_names())}; "
                "or give the path of a .yaml file)"
            )
    path = Path(ref_s)
    if path.suffix not in (".yaml", ".yml"):
        raise InputError("a scenario file must end in .yaml or .yml", ref_s)
    try:
        return path.read_text(encoding="utf-8"), ref_s
    except FileNotFoundError:
        raise InputError("no such file", ref_s) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a scenario file", ref_s) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read: {exc}", ref_s) from None


def parse(text: str, source: str = "<scenario>") -> Scenario:
    """The scenario in ``text``; a text already parsed in this process is not parsed again.

    A command reads its scenario, then hands the text to the runs (workers
    get text, not paths), so the same text arrives here more than once;
    scenarios are never changed once built, so one object can serve all.
    """
    return _parse(text, source)


@functools.lru_cache(maxsize=16)
def _parse(text: str, source: str) -> Scenario:
    src = YamlSource.parse(text, source)
    if not isinstance(src.data, dict):
        raise InputError("a scenario file must be a mapping of sections (name, title, ...)", source)
    try:
        spec = ScenarioSpec.model_validate(src.data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p in _UNION_TAGS))
        raise src.error(loc, _pydantic_message(err)) from None
    return _check(spec, src, text)


_UNION_TAGS = {"uniform", "loguniform", "normal", "beta", "triangular"}


def _pydantic_message(err: dict) -> str:
    msg = err["msg"]
    if err["type"] == "extra_forbidden":
        return "unknown field"
    if err["type"] == "missing":
        return "required field is missing"
    return msg.removeprefix("Value error, ")


def _unknown_param(name: str, decls: Mapping[str, Param]) -> str:
    close = difflib.get_close_matches(name, list(decls), n=1)
    hint = f"; did you mean '{close[0]}'?" if close else f" (known: {', '.join(sorted(decls))})"
    return f"unknown parameter '{name}'{hint}"


def _check(spec: ScenarioSpec, src: YamlSource, text: str) -> Scenario:
    known = all_mechanisms()
    classes = []
    for i, name in enumerate(spec.mechanisms):
        if name not in known:
            raise src.error(("mechanisms", i), f"unknown mechanism '{name}' "
                            f"(known: {', '.join(sorted(known))})")
        classes.append(known[name])
    decls = declared_params(classes)

    values = {n: d.default for n, d in decls.items()}
    priors = {n: d.prior for n, d in decls.items() if d.prior is not None}
    for name, ps in spec.parameters.items():
        loc = ("parameters", name)
        if name not in decls:
            raise src.error(loc, _unknown_param(name, decls))
        if ps.value is not None:
            try:
                values[name] = decls[name].coerce(name, ps.value)
            except InputError as exc:
                raise src.error((*loc, "value"), str(exc)) from None
        if ps.prior is not None:
            lo, hi = ps.prior.support
            d = decls[name]
            if (d.low is not None and lo < d.low) or (d.high is not None and hi > d.high):
                raise src.error((*loc, "prior"), f"prior support [{lo}, {hi}] leaves the "
                                f"parameter's range [{d.low}, {d.high}]")
            priors[name] = ps.prior
        if (ps.value is not None or ps.prior is not None) and not (ps.source or ps.assumption):
            raise src.error(loc, "give a 'source' for this figure, or mark it 'assumption: true'")

    for pname, pop in spec.populations.items():
        if isinstance(pop.size, str) and pop.size not in decls:
            raise src.error(("populations", pname, "size"), _unknown_param(pop.size, decls))

    for cls in classes:
        check = getattr(cls, "check_scenario", None)
        if check is not None:
            check(spec, src, values)

    timeline = _timeline(spec, src)
    events = []
    for i, ev in enumerate(spec.events):
        try:
            step = timeline.step_of(ev.date, "")
        except InputError as exc:
            raise src.error(("events", i, "date"), str(exc)) from None
        events.append({**ev.model_dump(mode="json"), "step": step})

    series = {n for c in classes for n in c.series}
    finals = series | {n for c in classes for n in c.finals}
    for kind, names, pool in (("series", spec.outputs.series, series),
                              ("final", spec.outputs.final, finals)):
        for i, n in enumerate(names or []):
            if n not in pool:
                raise src.error(("outputs", kind, i), f"no {kind} named '{n}' "
                                f"(available: {', '.join(sorted(pool))})")

    for i, name in enumerate(spec.conditions):
        if name not in priors:
            raise src.error(("conditions", i), f"'{name}' is not a parameter with a prior")
    for i, claim in enumerate(spec.claims):
        t = claim.test
        if t is not None and t.switch is not None and t.switch not in decls:
            raise src.error(("claims", i, "test", "switch"), f"no switch named '{t.switch}'")
    if spec.play is not None:
        if "path" not in decls:
            raise src.error(("play",), "a game needs the 'strategy' mechanism (it plays "
                            "the moves)")
        if spec.play.outcome not in spec.outcomes:
            raise src.error(("play", "outcome"), f"no outcome named '{spec.play.outcome}' "
                            f"(outcomes: {', '.join(spec.outcomes) or 'none'})")
    for name, outcome in spec.outcomes.items():
        if outcome.final not in finals:
            raise src.error(("outcomes", name, "final"), f"no final value named "
                            f"'{outcome.final}' (available: {', '.join(sorted(finals))})")
    _check_bounds(spec, src, finals)

    return Scenario(
        spec=spec, source=src.name, text=text, mechanisms=tuple(classes), decls=decls,
        values=values, priors=priors, timeline=timeline, events=tuple(events),
        digest=_digest(spec),
        sim_data={k: v for k, v in spec.model_dump(mode="json").items()
                  if k in ("strategies", "play")},
    )


def _check_bounds(spec: ScenarioSpec, src: YamlSource, finals: set[str]) -> None:
    """Each bound names a final the model produces, once per id.

    A bound on a misspelt final would count no run as breaking it and so
    report a counterfactual as plausible without having looked.
    """
    seen: set[str] = set()
    for i, bound in enumerate(spec.bounds):
        if bound.final not in finals:
            close = difflib.get_close_matches(bound.final, sorted(finals), n=1)
            hint = (f"; did you mean '{close[0]}'?" if close
                    else f" (available: {', '.join(sorted(finals))})")
            raise src.error(("bounds", i, "final"),
                            f"no final value named '{bound.final}'{hint}")
        if bound.id in seen:
            raise src.error(("bounds", i, "id"), f"a bound named '{bound.id}' exists already")
        seen.add(bound.id)


# sections that only read results: they change no run, so they stay out of the hash
# that keys runs in the store (and a shipped calibration stays the scenario's own)
_NOT_HASHED = ("bounds",)


def _digest(spec: ScenarioSpec) -> str:
    """Computed once, at load: every run's key includes it."""
    body = spec.model_dump(mode="json", exclude=set(_NOT_HASHED))
    canon = json.dumps(body, sort_keys=True)
    return hashlib.sha256(canon.encode()).hexdigest()[:16]


def _timeline(spec: ScenarioSpec, src: YamlSource) -> Timeline:
    t = spec.time
    if t.unit == "tick":
        return Timeline(steps=t.steps, unit="tick")
    try:
        start = parse_month(t.start)
    except InputError as exc:
        raise src.error(("time", "start"), str(exc)) from None
    if t.end is not None:
        try:
            end = parse_month(t.end)
        except InputError as exc:
            raise src.error(("time", "end"), str(exc)) from None
        steps = month_index(*end) - month_index(*start)
        if steps < 1:
            raise src.error(("time", "end"), "must come after 'start'")
    else:
        steps = t.steps
    return Timeline(steps=steps, unit="month", start=t.start)
