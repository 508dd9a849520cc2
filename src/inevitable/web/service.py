"""What the web application does, without HTTP: the pages' and the API's one source.

A :class:`Service` holds the server's long-lived pieces (the scenarios it
offers, the results store, the shared pool of worker processes, the job
queue, the game log) and turns checked requests into results or jobs. It
calls the same experiments as the CLI (compare, verdict, the game); it never
forks their logic. Everything a client names is looked up here: a scenario
is one of the server's, a verdict is one found in the store's directory.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import OrderedDict
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from inevitable.backends.base import default_workers
from inevitable.backends.fair import FairProcessBackend
from inevitable.errors import InputError, NotFound
from inevitable.experiments.compare import branch_step, compare, pick_theories, strategies_of
from inevitable.experiments.pool import kept_open
from inevitable.experiments.verdict import FAN_SERIES
from inevitable.game import game, summary, turn
from inevitable.scenarios.loader import Scenario, builtin_names, scenario
from inevitable.scenarios.rules import compile_rules
from inevitable.store.games import GameLog
from inevitable.store.runstore import RunStore
from inevitable.web.jobs import LOCAL, Job, JobQueue
from inevitable.web.models import ArmIn, EnsembleIn, PlayIn, RuleIn, VerdictIn

VERDICTS_DIR = "verdicts"
_VERDICT_ID = re.compile(r"^[0-9]{8}-[0-9]{6}-[a-z0-9-]+$")


class Service:
    """The server's state and operations; see :func:`inevitable.web.app.create_app`."""

    def __init__(self, results: str | Path = "results", *, workers: int | None = None,
                 backend: str = "processes", max_reps: int = 400, max_waiting: int = 64,
                 runners: int = 32, verdict_budgets: tuple[str, ...] = ("quick", "default"),
                 scenarios: list[str] | None = None) -> None:
        self.results = Path(results)
        self.max_reps = max_reps
        self.verdict_budgets = verdict_budgets
        self.scenarios: dict[str, Scenario] = {}
        for ref in scenarios or builtin_names():
            sc = scenario(ref)
            self.scenarios[sc.name] = sc
        self._stack = ExitStack()
        self.store = self._stack.enter_context(RunStore(self.results))
        if backend == "processes":
            # shared between clients batch by batch, so that jobs running side by
            # side (one per client) split the workers' time between their clients
            fair = FairProcessBackend(workers or default_workers())
            self._stack.callback(fair.close)
            self.backend = self._stack.enter_context(kept_open(fair))
        else:
            self.backend = self._stack.enter_context(kept_open(backend, workers))
        self.games = GameLog(self.results)
        # runners are threads that mostly wait for the pool: many of them let that
        # many clients' jobs run side by side, each on its client's share of the
        # workers, instead of a newcomer waiting for someone's large job to end;
        # a client may hold at most half the waiting slots, so no one fills the queue
        self.jobs = JobQueue(runners=runners, max_waiting=max_waiting,
                             per_client=max(1, max_waiting // 2), limits={"verdict": 1})
        self._variants: OrderedDict[str, Scenario] = OrderedDict()
        self._variants_lock = threading.Lock()

    def close(self) -> None:
        self.jobs.close()
        self._stack.close()

    @property
    def run_options(self) -> dict[str, Any]:
        return {"backend": self.backend, "store": self.store}

    # -- scenarios ------------------------------------------------------------
    def scenario(self, name: str) -> Scenario:
        sc = self.scenarios.get(name)
        if sc is None:
            raise NotFound(f"unknown scenario '{name}' (available: "
                             f"{', '.join(self.scenarios)})", "scenario")
        return sc

    def scenario_list(self) -> list[dict[str, Any]]:
        return [{"name": sc.name, "title": sc.title, "question": sc.spec.question,
                 "game": sc.spec.play is not None, "strategies": _strategies(sc)}
                for sc in self.scenarios.values()]

    def scenario_detail(self, name: str) -> dict[str, Any]:
        from inevitable.web.describe import describe

        return describe(self.scenario(name), self.latest_verdict(name))

    # -- strategies written by users -----------------------------------------
    def check_rules(self, name: str, rules: list[RuleIn]) -> list[dict[str, Any]]:
        """The rules, checked by the rule language (fast: nothing is built or run)."""
        sc = self.scenario(name)
        if "strategy" not in {m.name for m in sc.mechanisms} or not sc.spec.strategies:
            raise InputError(f"scenario '{name}' has no strategies to write", "rules")
        from inevitable.mechanisms.soviet.common import ACTIONS, OBSERVABLES

        body = [r.model_dump(exclude_none=True) for r in rules]
        try:
            compile_rules(body, set(OBSERVABLES), set(ACTIONS))
        except InputError as exc:
            raise InputError(exc.message, "rules") from None
        return body

    def with_rules(self, name: str, body: list[dict[str, Any]]) -> Scenario:
        """The scenario with the checked rules as one more strategy (built once, cached).

        Copying a scenario costs most of a second, so it happens in the job, not
        in the request.
        """
        key = json.dumps([name, body], sort_keys=True)
        with self._variants_lock:
            if key in self._variants:
                self._variants.move_to_end(key)
                return self._variants[key]
        variant = self.scenario(name).with_strategies({"your-strategy": {
            "doc": "a strategy written in the explorer", "rules": body}}, where="rules")
        with self._variants_lock:
            self._variants[key] = variant
            while len(self._variants) > 64:
                self._variants.popitem(last=False)
        return variant

    # -- ensembles --------------------------------------------------------------
    def submit_ensemble(self, req: EnsembleIn, client: str = LOCAL) -> Job:
        sc, strategies, rules = self._arms(req)
        if req.reps > self.max_reps:
            raise InputError(f"at most {self.max_reps} runs per arm on this server", "reps")
        # one theory per ensemble; without one, the scenario's own (soviet-1923: C)
        theory = req.theory or (sc.values.get("theory") if "theory" in sc.decls else None)
        try:
            theories = pick_theories(sc, [theory] if theory else None)
        except InputError as exc:
            raise InputError(exc.message, "theory") from None
        params = self._params(sc, req.params)
        branch_step(sc, req.branch, "branch")  # checked now, not when the job runs
        # a month outcome holds -1 where it never happened: its mean would mislead
        outcomes = [o.final for o in sc.spec.outcomes.values() if o.kind != "month"]
        fans = [f for f in FAN_SERIES if f in {n for c in sc.mechanisms for n in c.series}]

        def work(progress):
            run_on = sc if rules is None else self.with_rules(sc.name, rules)
            cmp = compare(run_on, strategies=strategies, theories=theories, reps=req.reps,
                          seed=req.seed, params=params, branch=req.branch, fans=fans,
                          outcomes=outcomes or None, progress=progress, **self.run_options)
            return {**cmp.to_dict(), "theory": theories[0],
                    "outcome_docs": {o.final: o.doc for o in sc.spec.outcomes.values()},
                    "outcome_kinds": {o.final: o.kind for o in sc.spec.outcomes.values()}}

        return self.jobs.submit("ensemble", req.model_dump(), work, client)

    def _arms(self, req: EnsembleIn) -> tuple[Scenario, list[str], list[dict] | None]:
        """The scenario, the arms' strategy names, and the user's checked rules if any."""
        sc = self.scenario(req.scenario)
        custom = [a for a in req.arms if a.rules is not None]
        if len(custom) > 1:
            raise InputError("at most one arm may carry your own rules", "arms")
        names = []
        for i, arm in enumerate(req.arms):
            names.append(self._arm_name(sc, arm, i))
        if len(set(names)) != len(names):
            raise InputError("two arms run the same strategy", "arms")
        rules = self.check_rules(req.scenario, custom[0].rules or []) if custom else None
        return sc, names, rules

    @staticmethod
    def _arm_name(sc: Scenario, arm: ArmIn, i: int) -> str:
        if (arm.strategy is None) == (arm.rules is None):
            raise InputError("give either 'strategy' or 'rules'", f"arms.{i}")
        if arm.rules is not None:
            return "your-strategy"
        known = strategies_of(sc)
        if arm.strategy not in known:
            raise InputError(f"unknown strategy '{arm.strategy}' (known: {', '.join(known)})",
                             f"arms.{i}.strategy")
        return arm.strategy

    @staticmethod
    def _params(sc: Scenario, params: dict[str, Any]) -> dict[str, Any]:
        """Only parameters with a prior, only inside its support (bounded work, honest use)."""
        out = {}
        for name, value in params.items():
            try:
                out.update(sc.check_overrides({name: value}))
            except InputError as exc:
                raise InputError(exc.message, f"params.{name}") from None
        for name, value in out.items():
            prior = sc.priors.get(name)
            if prior is None:
                raise InputError("only parameters with a prior can be set here "
                                 f"(e.g. {', '.join(sc.spec.conditions[:3])})", f"params.{name}")
            lo, hi = prior.support
            if not lo <= float(value) <= hi:
                raise InputError(f"{value} lies outside the prior's support [{lo:g}, {hi:g}]",
                                 f"params.{name}")
        return out

    # -- verdicts ---------------------------------------------------------------
    def verdicts(self) -> list[dict[str, Any]]:
        root = self.results / VERDICTS_DIR
        out = []
        for d in sorted(root.iterdir() if root.is_dir() else [], reverse=True):
            f = d / "verdict.json"
            if not (_VERDICT_ID.match(d.name) and f.is_file()):
                continue
            try:
                v = json.loads(f.read_text())
            except (OSError, ValueError):
                continue
            if not isinstance(v, dict):
                continue
            out.append({"id": d.name, "scenario": (v.get("scenario") or {}).get("name"),
                        "budget": (v.get("budget") or {}).get("name"),
                        "headline": (v.get("answer") or {}).get("headline"),
                        "created": (v.get("reproducibility") or {}).get("created"),
                        "report": f"/verdicts/{d.name}/report.html"})
        return out

    def verdict_dir(self, verdict_id: str) -> Path:
        if not _VERDICT_ID.match(verdict_id):
            raise NotFound("not a verdict id", "verdict")
        d = self.results / VERDICTS_DIR / verdict_id
        if not (d / "verdict.json").is_file():
            raise NotFound(f"no verdict '{verdict_id}' in the results store", "verdict")
        return d

    def latest_verdict(self, scenario_name: str) -> dict[str, Any] | None:
        for v in self.verdicts():
            if v["scenario"] == scenario_name:
                try:
                    return json.loads((self.verdict_dir(v["id"]) / "verdict.json").read_text())
                except (OSError, ValueError, InputError):
                    return None
        return None

    def submit_verdict(self, req: VerdictIn, client: str = LOCAL) -> Job:
        from inevitable.experiments.verdict import budget_of, verdict
        from inevitable.report.write import write_report

        sc = self.scenario(req.scenario)
        if not sc.spec.outcomes:
            raise InputError(f"scenario '{sc.name}' declares no outcomes to judge", "scenario")
        budget = budget_of(req.budget)
        if budget.name not in self.verdict_budgets and (
                budget.name != "custom" or budget.reps > self.max_reps):
            raise InputError(f"budget '{req.budget}' is not allowed on this server (allowed: "
                             f"{', '.join(self.verdict_budgets)}, or up to {self.max_reps})",
                             "budget")

        def work(progress):
            v = verdict(sc, req.budget, seed=req.seed, progress=progress,
                        command=f"web: verdict {sc.name} --budget {req.budget} "
                                f"--seed {req.seed}", **self.run_options)
            stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
            vid = f"{stamp}-{sc.name}"
            write_report(v, self.results / VERDICTS_DIR / vid)
            return {"id": vid, "headline": v["answer"]["headline"],
                    "report": f"/verdicts/{vid}/report.html"}

        return self.jobs.submit("verdict", req.model_dump(), work, client)

    # -- the game ---------------------------------------------------------------
    def game(self, req: PlayIn):
        if req.reps is not None and req.reps > self.max_reps:
            raise InputError(f"at most {self.max_reps} runs per move on this server", "reps")
        g = game(self.scenario(req.scenario), req.theory, req.seed, req.reps)
        g.check(req.moves)
        return g

    def submit_turn(self, req: PlayIn, client: str = LOCAL) -> Job:
        g = self.game(req)
        if not req.moves:
            raise InputError("give at least one move", "moves")
        return self.jobs.submit("turn", req.model_dump(),
                                lambda progress: turn(g, req.moves, progress=progress,
                                                      **self.run_options).to_dict(), client)

    def submit_summary(self, req: PlayIn, client: str = LOCAL) -> Job:
        g = self.game(req)
        if len(req.moves) != len(g.junctures):
            raise InputError(f"a finished game has {len(g.junctures)} moves, got "
                             f"{len(req.moves)}", "moves")

        def work(progress):
            others = self.games.best_paths(g.scenario.name, g.theory)
            s = summary(g, req.moves, others, progress=progress, **self.run_options)
            self.games.record(g.scenario.name, g.theory, req.moves, s.yours.value,
                              g.permalink(req.moves))
            return {**s.to_dict(), "permalink": g.permalink(req.moves),
                    "permalink_url": g.permalink_url(req.moves)}

        return self.jobs.submit("summary", req.model_dump(), work, client)


def _strategies(sc: Scenario) -> list[str]:
    try:
        return strategies_of(sc)
    except InputError:
        return []
