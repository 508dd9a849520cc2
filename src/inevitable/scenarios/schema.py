"""The scenario file format, as pydantic models.

A scenario is data: which mechanisms run (in order), over what time, with
which parameter values, priors and sources, which exogenous events, and what
it reports. Every section forbids unknown keys, so a misspelt field is an
error with its line number rather than a silent default.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from inevitable.engine.params import Prior


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ParamSpec(_Strict):
    """A scenario's setting of one declared parameter.

    ``value`` replaces the mechanism's default; ``prior`` replaces its prior.
    A historical figure carries its ``source``; a guess says
    ``assumption: true`` and should have a prior wide enough to be honest.
    """

    value: Any = None
    prior: Prior | None = None
    unit: str | None = None
    source: str | None = None
    assumption: bool = False
    note: str | None = None


class TimeSpec(_Strict):
    unit: Literal["tick", "month"] = "tick"
    steps: int | None = Field(default=None, ge=1)
    start: str | None = None
    end: str | None = None

    @model_validator(mode="after")
    def _complete(self) -> TimeSpec:
        if self.unit == "tick" and self.steps is None:
            raise ValueError("a tick timeline needs 'steps'")
        if self.unit == "month":
            if self.start is None:
                raise ValueError("a month timeline needs 'start' (YYYY-MM)")
            if self.steps is None and self.end is None:
                raise ValueError("a month timeline needs 'end' (YYYY-MM) or 'steps'")
        return self


class PopulationSpec(_Strict):
    """A population of individual agents; ``size`` may name a parameter."""

    size: int | str
    doc: str = ""
    source: str | None = None


class EventSpec(_Strict):
    """An exogenous input: something that happens at a date, with its source.

    ``set`` names the exogenous inputs it changes (read by mechanisms); the
    consequences of an event are never scripted here.
    """

    date: str | int
    name: str
    source: str
    kind: str = "event"
    set: dict[str, Any] = Field(default_factory=dict)
    note: str | None = None


class Relation(_Strict):
    """How one claim bears on another."""

    supports: str | None = None
    disputes: str | None = None
    refines: str | None = None

    @model_validator(mode="after")
    def _one(self) -> Relation:
        if sum(x is not None for x in (self.supports, self.disputes, self.refines)) != 1:
            raise ValueError("a relation names exactly one of supports, disputes, refines")
        return self

    @property
    def kind(self) -> str:
        return next(k for k in ("supports", "disputes", "refines") if getattr(self, k))

    @property
    def target(self) -> str:
        return getattr(self, self.kind)


class ClaimTest(_Strict):
    """How the verdict checks a claim against the experiments' results.

    * ``theory``: the claim holds if the calibration favours ``theory``;
    * ``difference``: ``strategy`` changes ``outcome`` against ``reference``
      with the given ``sign`` (paired, under the favoured theory);
    * ``agency``: the strategy's share of the outcome's variance is ``level``;
    * ``curve``: inevitability at the ``at`` (first or last) branch is ``level``;
    * ``ablation``: switching the mechanism ``switch`` on moves ``outcome``
      with the given ``sign``.
    """

    kind: Literal["theory", "difference", "agency", "curve", "ablation"]
    theory: str | None = None
    strategy: str | None = None
    reference: str = "historical"
    outcome: str | None = None
    sign: Literal["negative", "positive"] | None = None
    level: Literal["low", "high"] | None = None
    at: Literal["first", "last"] | None = None
    switch: str | None = None


class ClaimSpec(_Strict):
    """One claim of the argument, paraphrased, with what encodes and tests it.

    ``encodes`` lists model elements as ``kind:name`` (mechanism:, param:,
    theory:, strategy:, event:, target:, outcome:, series:); the loader checks
    that each exists.
    """

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    author: str
    page: str | None = None
    source: str
    kind: Literal["mechanism", "hypothesis", "fact", "interpretation", "counterfactual"]
    says: str
    encodes: list[str] = Field(default_factory=list)
    tested_by: list[str] = Field(default_factory=list)
    relations: list[Relation] = Field(default_factory=list)
    test: ClaimTest | None = None


class TargetSpec(_Strict):
    """An observed figure the model is calibrated or validated against.

    ``value`` with ``sd``, or a ``low``-``high`` range, at a ``date``; the
    ``quantity`` is a series (read at that date) or a final value. ``use:
    check`` holds a figure out of every calibration, so that the record has
    a part the model was never fitted to: validation and the targets' tables
    report it, nothing tunes a parameter to it.

    ``weight`` (1 unless declared) multiplies the target's squared error in
    the calibration's distance. It is a choice, not a figure: the scenario
    says in ``note`` why one piece of the record should count more than
    another (for example, because the question asked reads it).
    """

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    quantity: str
    use: Literal["fit", "check"] = "fit"
    date: str | None = None
    value: float | None = None
    sd: float | None = Field(default=None, gt=0)
    low: float | None = None
    high: float | None = None
    weight: float = Field(default=1.0, gt=0, le=100)
    source: str
    note: str | None = None

    @model_validator(mode="after")
    def _has_figure(self) -> TargetSpec:
        if self.value is None and (self.low is None or self.high is None):
            raise ValueError("a target needs a 'value' (with 'sd') or both 'low' and 'high'")
        if self.low is not None and self.high is not None and self.high < self.low:
            raise ValueError("'high' is below 'low'")
        return self


class BoundSpec(_Strict):
    """How far a final output may go in a world history could have produced.

    A counterfactual run can wander where no calibration target reaches (a
    cadre larger than the party). A bound says, from a historical analogue
    with its ``source``, how large (``max``) or small (``min``) a final value
    ever was; the verdict counts the runs beyond it and recomputes the
    headline without them. A run breaks the bound when its final is above
    ``max`` or below ``min`` (equal is inside). Bounds only read results, so
    they never change a run.
    """

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    final: str
    max: float | None = None
    min: float | None = None
    source: str
    note: str | None = None

    @model_validator(mode="after")
    def _a_sourced_range(self) -> BoundSpec:
        if not self.source.strip():
            raise ValueError("a bound needs a 'source' naming where its figure comes from")
        if self.max is None and self.min is None:
            raise ValueError("a bound needs 'max', 'min' or both")
        if self.max is not None and self.min is not None and self.min > self.max:
            raise ValueError(f"'min' ({self.min:g}) is above 'max' ({self.max:g})")
        return self


class OutcomeSpec(_Strict):
    """A headline outcome: a final value of the run, named and explained.

    Experiments report these by default; ``kind`` says how to summarise it
    (``binary``: a chance; ``number``: a mean; ``month``: a mean month index,
    where -1 means it never happened).
    """

    final: str
    doc: str
    kind: Literal["binary", "number", "month"] = "binary"


class OutputsSpec(_Strict):
    series: list[str] | None = None
    final: list[str] | None = None


class MoveSpec(_Strict):
    """A move the player may make at a juncture of the game: action levels.

    ``do`` maps the strategy's actions to levels in [0, 1], as a rule's
    ``do`` does; actions it leaves out are 0 while the move holds.
    """

    label: str
    doc: str
    do: dict[str, float] = Field(min_length=1)
    source: str | None = None


class JunctureSpec(_Strict):
    """A month at which the player chooses the Opposition's next move.

    The move holds until the next juncture (the last one's, to the end of
    the run). ``moves`` limits the choice (default: every move); the move
    ``historical`` (what the Opposition did: the base strategy's own rules)
    is always offered.
    """

    month: str
    title: str
    situation: str
    source: str
    moves: list[str] | None = None


class PlaySpec(_Strict):
    """The game "play the Opposition": its junctures, its moves, its odds.

    ``outcome`` names the scenario outcome whose odds the game shows;
    ``reps`` is the default ensemble size per move.
    """

    outcome: str
    reps: int = Field(default=40, ge=4, le=1000)
    junctures: list[JunctureSpec] = Field(min_length=1)
    moves: dict[str, MoveSpec] = Field(min_length=1)


class ScenarioSpec(_Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    description: str = ""
    question: str | None = None  # the question the verdict answers, in plain words
    mechanisms: list[str] = Field(min_length=1)
    time: TimeSpec
    populations: dict[str, PopulationSpec] = Field(default_factory=dict)
    parameters: dict[str, ParamSpec] = Field(default_factory=dict)
    events: list[EventSpec] = Field(default_factory=list)
    outputs: OutputsSpec = Field(default_factory=OutputsSpec)
    references: dict[str, str] = Field(default_factory=dict)
    # Sections the flagship scenario fills; their contents are checked by the
    # mechanisms and experiments that read them.
    strategies: dict[str, Any] = Field(default_factory=dict)
    outcomes: dict[str, OutcomeSpec] = Field(default_factory=dict)
    targets: list[TargetSpec] = Field(default_factory=list)
    # how far counterfactual runs may go, from historical analogues (the verdict
    # counts the runs beyond them and gives the headline without them)
    bounds: list[BoundSpec] = Field(default_factory=list)
    # the objective conditions whose share of the outcome's variance the
    # verdict weighs against the strategy's (structure versus agency)
    conditions: list[str] = Field(default_factory=list)
    claims: list[ClaimSpec] = Field(default_factory=list)
    # the game: junctures at which a player chooses the strategy's moves
    play: PlaySpec | None = None
