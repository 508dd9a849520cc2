"""What clients may send: every request body as a strict pydantic model.

Bounds live here, so the OpenAPI description states them and a request
outside them is refused before any work starts. Names (scenarios,
strategies, moves, parameters) are checked against the scenario by the
service; no client string is ever used as a file path or as code.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Name = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")]
Seed = Annotated[int, Field(ge=0, le=2**31 - 1)]
Level = Annotated[float, Field(ge=0.0, le=1.0)]
ParamValue = (float | Annotated[int, Field(ge=-(2**53), le=2**53)] | bool
              | Annotated[str, Field(max_length=64)])  # an int beyond a float: refused


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RuleIn(_Strict):
    """One rule of a strategy: when the condition holds, set these action levels."""

    when: Annotated[str, Field(max_length=400)] = "always"
    do: Annotated[dict[Name, Level], Field(min_length=1, max_length=16)]
    note: Annotated[str, Field(max_length=200)] | None = None


class ArmIn(_Strict):
    """An arm of an ensemble: a strategy of the scenario, or rules of your own."""

    strategy: Name | None = Field(default=None, description="a strategy of the scenario")
    rules: Annotated[list[RuleIn], Field(min_length=1, max_length=20)] | None = Field(
        default=None, description="your own strategy, in the rule language")
    name: Name | None = Field(default=None, description="a name for your own strategy")


class StrategyCheckIn(_Strict):
    scenario: Name
    rules: Annotated[list[RuleIn], Field(min_length=1, max_length=20)]


class EnsembleIn(_Strict):
    """Paired runs of one to three arms, optionally branching at a month."""

    scenario: Name = "soviet-1923"
    theory: Name | None = None
    arms: Annotated[list[ArmIn], Field(min_length=1, max_length=3)]
    branch: Annotated[str, Field(pattern=r"^[0-9]{4}-[0-9]{2}$")] | None = Field(
        default=None, description="YYYY-MM: history runs under 'historical' up to here")
    params: Annotated[dict[Name, ParamValue], Field(max_length=12)] = Field(
        default_factory=dict, description="parameters with a prior, within its support")
    reps: Annotated[int, Field(ge=2)] = 40
    seed: Seed = 0


class VerdictIn(_Strict):
    scenario: Name = "soviet-1923"
    budget: Literal["quick", "default", "thorough"] | Annotated[int, Field(ge=20, le=10**6)] = (
        "quick")
    seed: Seed = 0


class PlayIn(_Strict):
    """A game, as a permalink carries it: settings and the moves chosen so far."""

    scenario: Name = "soviet-1923"
    theory: Name | None = "C"
    seed: Seed = 0
    reps: Annotated[int, Field(ge=4)] | None = None
    moves: Annotated[list[Name], Field(max_length=40)] = Field(default_factory=list)
