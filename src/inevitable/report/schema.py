"""The verdict dict: the one contract between the experiments and the report.

The orchestration fills a plain, JSON-able dict; the report only renders it.
This module checks that dict before anything is drawn, so a broken verdict
fails with one message listing every bad field (``curve.points[3].best: ...``)
instead of a half-written report or a blank figure. The prose and the JSON
Schema of the contract are in docs/verdict-schema.md (kept equal to
:func:`json_schema` by a test).

Nested sections allow extra keys (the experiments' ``to_dict()`` carry more
than the report needs); the top level forbids them, so a misspelt section name
is caught rather than silently dropped.
"""

from __future__ import annotations

import math
from itertools import pairwise
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from inevitable.errors import InputError

SCHEMA_ID = "inevitable-verdict/1"
TOL = 1e-9  # rounding slack when checking low <= value <= high

Num = float | None


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class Estimate(_Open):
    """A number with its 95% interval and the runs behind it."""

    value: Num
    low: Num = None
    high: Num = None
    n: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Estimate:
        v, lo, hi = self.value, self.low, self.high
        if lo is not None and hi is not None and lo > hi + TOL:
            raise ValueError(f"low ({lo}) is above high ({hi})")
        if v is not None and lo is not None and v < lo - TOL:
            raise ValueError(f"value ({v}) is below low ({lo})")
        if v is not None and hi is not None and v > hi + TOL:
            raise ValueError(f"value ({v}) is above high ({hi})")
        return self


class KeyNumber(Estimate):
    """A number the answer quotes; the first one is the headline."""

    label: str
    kind: Literal["probability", "number"] = "probability"


class ScenarioRef(_Open):
    name: str
    title: str
    hash: str


class Outcome(_Open):
    name: str
    doc: str


class Answer(_Open):
    headline: str
    sentences: list[str] = Field(min_length=2, max_length=2)
    numbers: list[KeyNumber] | None = None


class Budget(_Open):
    name: Literal["quick", "default", "thorough", "custom"]
    reps: int = Field(ge=0)
    seconds: Num = Field(default=None, ge=0)


class Theories(_Open):
    posterior: dict[str, float] = Field(min_length=1)
    method: str
    simulations: int = Field(ge=0)
    note: str
    labels: dict[str, str] | None = None

    @model_validator(mode="after")
    def _a_distribution(self) -> Theories:
        bad = {k: v for k, v in self.posterior.items() if not 0 <= v <= 1}
        if bad:
            raise ValueError(f"posterior probabilities must lie in [0, 1], got {bad}")
        total = sum(self.posterior.values())
        if abs(total - 1) > 1e-3:
            raise ValueError(f"posterior must sum to 1, sums to {total:.6g}")
        return self


class Arm(_Open):
    """One (theory, strategy) arm; every other key is an outcome's estimate."""

    __pydantic_extra__: dict[str, Estimate] = Field(init=False)

    theory: str | None
    strategy: str


class Difference(Estimate):
    theory: str | None
    strategy: str
    reference: str
    outcome: str
    unpaired_half_width: Num = None
    runs_saved_by_pairing: Num = None


class Compare(_Open):
    reps: int = Field(ge=0)
    reference: str
    outcomes: list[str] = Field(min_length=1)
    arms: list[Arm] = Field(min_length=1)
    differences: list[Difference] = []

    @model_validator(mode="after")
    def _every_arm_has_every_outcome(self) -> Compare:
        problems = []
        for i, arm in enumerate(self.arms):
            extra = arm.model_extra or {}
            problems += [f"arms[{i}] ({arm.strategy}) has no estimate for '{o}'"
                         for o in self.outcomes if o not in extra]
        strategies = {a.strategy for a in self.arms}
        if self.reference not in strategies:
            problems.append(f"reference '{self.reference}' is not among the arms' strategies")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class CurvePoint(_Open):
    theory: str | None
    branch: str = Field(pattern=r"^(\d{4}-\d{2}|\d+)$")  # a month, or a tick number
    best: str
    inevitability: Estimate
    avoid: dict[str, Estimate]


class Curve(_Open):
    outcome: str
    base: str
    strategies: list[str] = Field(min_length=1)
    points: list[CurvePoint] = Field(min_length=1)

    @model_validator(mode="after")
    def _known_strategies(self) -> Curve:
        known = set(self.strategies)
        for i, p in enumerate(self.points):
            if p.best not in known:
                raise ValueError(f"points[{i}].best '{p.best}' is not in strategies")
            unknown = set(p.avoid) - known
            if unknown:
                raise ValueError(f"points[{i}].avoid has unknown strategies {sorted(unknown)}")
        return self


QUANTILES = ("q05", "q25", "q50", "q75", "q95")


class Fan(_Open):
    """Quantiles of one series over the runs, month by month."""

    labels: list[str] = Field(min_length=1)
    q05: list[Num]
    q25: list[Num]
    q50: list[Num]
    q75: list[Num]
    q95: list[Num]

    @model_validator(mode="after")
    def _aligned_and_ordered(self) -> Fan:
        n = len(self.labels)
        for q in QUANTILES:
            if len(getattr(self, q)) != n:
                raise ValueError(f"{q} has {len(getattr(self, q))} values for {n} labels")
        for i in range(n):
            col = [getattr(self, q)[i] for q in QUANTILES]
            col = [c for c in col if c is not None]
            if any(a > b + TOL for a, b in pairwise(col)):
                raise ValueError(f"quantiles out of order at {self.labels[i]}: {col}")
        return self


class SeriesInfo(_Open):
    label: str
    unit: str | None = None
    doc: str | None = None


class SobolLevel(_Open):
    """The Sobol indices from the first ``samples`` base samples of the design."""

    samples: int = Field(ge=1)
    runs: int = Field(ge=0)
    S1: list[Num]
    S1_conf: list[Num]
    ST: list[Num]
    ST_conf: list[Num]
    constant: bool | None = None


class AgencyFinding(_Open):
    """The share of agency (the strategy's total index) as a finding, gated on its width."""

    estimate: Num = Field(default=None, ge=0, le=1)
    half_width: Num = Field(default=None, ge=0)
    too_few_runs: bool
    samples_needed: int | None = Field(default=None, ge=1)
    runs_needed: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _needs(self) -> AgencyFinding:
        if self.too_few_runs and (self.samples_needed is None or self.runs_needed is None):
            raise ValueError("too few runs, but no samples_needed and runs_needed")
        return self


class Sensitivity(_Open):
    outcome: str
    names: list[str] = Field(min_length=1)
    S1: list[Num]
    S1_conf: list[Num]
    ST: list[Num]
    ST_conf: list[Num]
    agency_share: Num = Field(default=None, ge=0, le=1)
    # the two-level strategy factor, the gate and the convergence record (absent in
    # verdicts written before them)
    contrast: list[str] | None = Field(default=None, min_length=2, max_length=2)
    samples: int | None = Field(default=None, ge=1)
    replicates: int | None = Field(default=None, ge=1)
    runs: int | None = Field(default=None, ge=0)
    precision: Num = Field(default=None, gt=0)
    constant: bool | None = None
    agency: AgencyFinding | None = None
    S1_samples_needed: list[int | None] | None = None
    ST_samples_needed: list[int | None] | None = None
    convergence: list[SobolLevel] | None = None

    @model_validator(mode="after")
    def _aligned(self) -> Sensitivity:
        n = len(self.names)
        for key in ("S1", "S1_conf", "ST", "ST_conf", "S1_samples_needed",
                    "ST_samples_needed"):
            values = getattr(self, key)
            if values is not None and len(values) != n:
                raise ValueError(f"{key} has {len(values)} values for {n} names")
        for j, lv in enumerate(self.convergence or []):
            for key in ("S1", "S1_conf", "ST", "ST_conf"):
                if len(getattr(lv, key)) != n:
                    raise ValueError(f"convergence[{j}].{key} has {len(getattr(lv, key))} "
                                     f"values for {n} names")
        sizes = [lv.samples for lv in self.convergence or []]
        if any(a >= b for a, b in pairwise(sizes)):
            raise ValueError(f"convergence samples {sizes} do not grow")
        if sizes and self.samples is not None and sizes[-1] != self.samples:
            raise ValueError(f"the last convergence level has {sizes[-1]} samples, the "
                             f"design {self.samples}")
        if self.contrast is not None and "strategy" not in self.names:
            raise ValueError("a strategy contrast, but no factor 'strategy'")
        return self


class Discovery(_Open):
    strategy: str
    theory: str | None
    in_words: str
    density: float = Field(ge=0, le=1)
    coverage: float = Field(ge=0, le=1)
    mass: float = Field(ge=0, le=1)
    box: dict[str, tuple[Num, Num]]


class Claim(_Open):
    id: str
    author: str
    page: str | None
    kind: str
    says: str
    verdict: Literal["supported", "contradicted", "undecided", "cannot test here",
                     "not tested"]
    evidence: str
    confidence: Literal["high", "medium", "low"]


class Assumption(_Open):
    name: str
    doc: str
    low: Num
    high: Num
    verdict_at_low: Num = Field(ge=0, le=1)
    verdict_at_high: Num = Field(ge=0, le=1)
    note: str


class Judging(_Open):
    rule: str


class Finding(_Open):
    """A printed number of the headline: ``estimate`` in ``[low, high]`` over ``runs``.

    ``estimate`` is null when no run was left to estimate it from (every run
    beyond a bound); then ``low`` and ``high`` are null too.
    """

    estimate: Num
    low: Num = None
    high: Num = None
    runs: int = Field(ge=0)
    too_few_runs: bool | None = None
    runs_needed: int | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Finding:
        v, lo, hi = self.estimate, self.low, self.high
        if lo is not None and hi is not None and lo > hi + TOL:
            raise ValueError(f"low ({lo}) is above high ({hi})")
        if v is not None and ((lo is not None and v < lo - TOL)
                              or (hi is not None and v > hi + TOL)):
            raise ValueError(f"estimate ({v}) is outside [{lo}, {hi}]")
        return self


class Share(Finding):
    """A share of runs (model-averaged) and the raw ``count`` of them."""

    count: int = Field(ge=0)


class BoundRef(_Open):
    """A scenario's bound: ``final`` above ``max`` or below ``min`` breaks it."""

    id: str
    final: str
    min: Num = None
    max: Num = None
    source: str
    note: str | None = None


class StrategyPlausibility(_Open):
    strategy: str
    outside: Share
    most_outside: bool
    per_bound: dict[str, Share]
    chance_within_bounds: Finding


class Plausibility(_Open):
    """Per strategy, the headline's runs beyond the scenario's bounds."""

    outcome: str
    bounds: list[BoundRef] = Field(min_length=1)
    strategies: list[StrategyPlausibility] = Field(min_length=1)

    @model_validator(mode="after")
    def _every_bound_per_strategy(self) -> Plausibility:
        ids = [b.id for b in self.bounds]
        bad = [f"strategies[{i}] ({s.strategy}) lacks bounds {sorted(set(ids) - set(s.per_bound))}"
               for i, s in enumerate(self.strategies) if set(s.per_bound) != set(ids)]
        if bad:
            raise ValueError("; ".join(bad))
        return self


class WithinRow(Finding):
    label: str
    kind: Literal["probability", "difference"]


class HeadlineWithin(_Open):
    """The headline over the (draw, seed) pairs where both arms stay inside every bound."""

    reference: str
    alternative: str
    outcome: str
    pairs: int = Field(ge=0)
    kept: int = Field(ge=0)
    pairing: str
    weights: dict[str, float] | None = None  # per theory among the kept pairs
    rows: list[WithinRow] = Field(min_length=3, max_length=3)

    @model_validator(mode="after")
    def _kept_of_pairs(self) -> HeadlineWithin:
        if self.kept > self.pairs:
            raise ValueError(f"kept ({self.kept}) exceeds pairs ({self.pairs})")
        return self


class TheoryFit(_Open):
    """How one theory's posterior-predictive runs meet one target."""

    runs: int = Field(ge=0)
    mean_error: Num = Field(default=None, ge=0)  # null: some run could not compute it
    agree: Num = Field(default=None, ge=0, le=1)
    log_likelihood: Num = Field(default=None, le=TOL)  # log mean exp(-e^2/2) <= 0
    low: Num = Field(default=None, le=TOL)  # log of its bounds; null: -infinity
    high: Num = Field(default=None, le=TOL)

    @model_validator(mode="after")
    def _bounded(self) -> TheoryFit:
        lo, v, hi = self.low, self.log_likelihood, self.high
        if lo is not None and v is not None and lo > v + 1e-6:
            raise ValueError(f"low ({lo}) is above the log likelihood ({v})")
        if hi is not None and v is not None and v > hi + 1e-6:
            raise ValueError(f"the log likelihood ({v}) is above high ({hi})")
        return self


class DiscriminationRow(_Open):
    """One target of the discrimination table."""

    target: str
    quantity: str
    date: str | None = None
    value: Num = None
    sd: Num = Field(default=None, gt=0)
    low: Num = None
    high: Num = None
    fits: dict[str, TheoryFit] = Field(min_length=2)
    best: str | None
    favours: list[str]
    behind: list[str]
    against: str | None
    log_ratio: Num
    log_ratio_low: Num = None
    discriminates: bool
    reading: str

    @model_validator(mode="after")
    def _consistent(self) -> DiscriminationRow:
        known = set(self.fits)
        named = [*self.favours, *self.behind, *(t for t in (self.best, self.against) if t)]
        unknown = sorted(set(named) - known)
        if unknown:
            raise ValueError(f"theories {unknown} have no fit")
        if set(self.favours) & set(self.behind):
            raise ValueError("a theory is both favoured and behind")
        if self.discriminates != bool(self.behind):
            raise ValueError("'discriminates' must be true exactly when a theory is behind")
        if self.discriminates and self.best not in self.favours:
            raise ValueError(f"the best theory '{self.best}' is not among those favoured")
        if (self.value is None) == (self.low is None):
            raise ValueError("the record is a value with its sd or a low-high range")
        return self


class DiscriminationSummary(_Open):
    targets: int = Field(ge=0)
    discriminating: int = Field(ge=0)
    favouring: dict[str, int]
    against: dict[str, int]


class Discrimination(_Open):
    """Per target, how well each theory's runs reproduce it, and whom it favours."""

    theories: list[str] = Field(min_length=2)
    strategy: str | None = None
    method: str
    runs: dict[str, int]
    threshold: float = Field(gt=0)
    min_gap: float = Field(ge=0)
    resolution: Num = None  # the widest gap these runs can guarantee, in nats
    rule: str
    summary: DiscriminationSummary
    rows: list[DiscriminationRow] = Field(min_length=1)
    notes: list[str] = []

    @model_validator(mode="after")
    def _every_row_has_every_theory(self) -> Discrimination:
        bad = [f"rows[{i}] ({r.target}) has fits for {sorted(r.fits)}, not {self.theories}"
               for i, r in enumerate(self.rows) if sorted(r.fits) != sorted(self.theories)]
        if set(self.runs) != set(self.theories):
            bad.append(f"runs are given for {sorted(self.runs)}, not {self.theories}")
        if self.summary.targets != len(self.rows):
            bad.append(f"summary counts {self.summary.targets} targets, rows hold "
                       f"{len(self.rows)}")
        if bad:
            raise ValueError("; ".join(bad))
        return self


class Reproducibility(_Open):
    inevitable: str
    python: str
    numpy: str
    numba: str
    seed: int
    scenario_hash: str
    command: str
    created: str


class Verdict(BaseModel):
    """The whole verdict (``schema: inevitable-verdict/1``)."""

    model_config = ConfigDict(extra="forbid")

    schema_: Literal["inevitable-verdict/1"] = Field(alias="schema")
    scenario: ScenarioRef
    question: str
    outcome: Outcome
    answer: Answer
    budget: Budget
    theories: Theories
    compare: Compare
    curve: Curve
    fans: dict[str, dict[str, Fan]]
    sensitivity: Sensitivity
    discovery: list[Discovery]
    claims: list[Claim]
    assumptions: list[Assumption]
    identification: list[str]
    reproducibility: Reproducibility
    # optional additions (see docs/verdict-schema.md)
    units: dict[str, Literal["probability", "number"]] | None = None
    series: dict[str, SeriesInfo] | None = None
    strategies: dict[str, str] | None = None
    judging: Judging | None = None
    tipping: list[dict[str, Any]] | None = None
    beliefs: dict[str, Any] | None = None
    survival: dict[str, Any] | None = None
    definition: dict[str, Any] | None = None
    plausibility: Plausibility | None = None
    headline_within_bounds: HeadlineWithin | None = None
    discrimination: Discrimination | None = None


def clean(obj: Any) -> Any:
    """Make a verdict strictly JSON-able: non-finite floats become None,
    numpy scalars and arrays become Python numbers and lists, tuples lists."""
    if isinstance(obj, dict):
        return {str(k): clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [clean(v) for v in obj]
    if hasattr(obj, "tolist") and not isinstance(obj, str):  # numpy scalar or array
        return clean(obj.tolist())
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def _loc(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "verdict"


def validate_verdict(d: Any) -> dict[str, Any]:
    """Check a verdict dict; return it cleaned (JSON-able, no NaN).

    Raises :class:`InputError` naming every bad field, one per line.
    """
    if not isinstance(d, dict):
        raise InputError(f"a verdict must be a dict, got {type(d).__name__}", "verdict")
    cleaned = clean(d)
    if cleaned.get("schema") != SCHEMA_ID and "schema" in cleaned:
        raise InputError(f"unknown schema '{cleaned.get('schema')}' (this report reads "
                         f"'{SCHEMA_ID}')", "verdict.schema")
    try:
        Verdict.model_validate(cleaned)
    except ValidationError as exc:
        lines = []
        for e in exc.errors():
            msg = e["msg"].removeprefix("Value error, ")
            lines.append(f"  {_loc(('verdict', *e['loc']))}: {msg}")
        raise InputError("the verdict does not follow the schema "
                         f"'{SCHEMA_ID}':\n" + "\n".join(lines)) from None
    return cleaned


def json_schema() -> dict[str, Any]:
    """The contract as a JSON Schema (draft 2020-12), generated from the model."""
    schema = Verdict.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID
    return schema
