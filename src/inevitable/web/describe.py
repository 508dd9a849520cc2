"""A scenario as the Scenario page shows it: actors, timeline, argument map, parameters.

Everything comes from the scenario's own declarations (the mechanisms'
parameters with their priors and sources, the dated events, the claims
ledger); the argument map's colours come from the latest verdict in the
results store, when there is one.
"""

from __future__ import annotations

import inspect
from typing import Any

from inevitable.scenarios.loader import Scenario


def _first_paragraph(cls: type) -> str:
    """The class's own docstring, else its module's (never one inherited from the base)."""
    import sys

    doc = cls.__dict__.get("__doc__") or getattr(sys.modules.get(cls.__module__), "__doc__", "")
    return " ".join(inspect.cleandoc(doc or "").split("\n\n")[0].split())


def describe(sc: Scenario, verdict: dict[str, Any] | None = None) -> dict[str, Any]:
    spec = sc.spec
    owner = {name: m.name for m in sc.mechanisms for name in m.params}
    judged = {c["id"]: c for c in (verdict or {}).get("claims", []) if isinstance(c, dict)}
    return {
        "name": sc.name, "title": sc.title, "description": " ".join(spec.description.split()),
        "question": spec.question, "hash": sc.hash,
        "time": {"unit": sc.timeline.unit, "steps": sc.timeline.steps,
                 "start": sc.timeline.label(0), "end": sc.timeline.label(sc.timeline.steps)},
        "actors": _actors(sc),
        "mechanisms": [{"name": m.name, "doc": _first_paragraph(m), "claims": list(m.claims)}
                       for m in sc.mechanisms],
        "events": [{"date": e["date"], "name": e["name"], "kind": e["kind"],
                    "source": e["source"], "note": e.get("note"), "sets": e.get("set") or {}}
                   for e in sc.events],
        "claims": [{"id": c.id, "author": c.author, "page": c.page, "kind": c.kind,
                    "says": c.says, "source": c.source, "encodes": c.encodes,
                    "relations": [r.model_dump(exclude_none=True) for r in c.relations],
                    "verdict": judged.get(c.id, {}).get("verdict", "not judged"),
                    "evidence": judged.get(c.id, {}).get("evidence")}
                   for c in spec.claims],
        "verdict_of": (verdict or {}).get("reproducibility", {}).get("created"),
        "parameters": [{"name": n, "value": sc.values.get(n), "unit": d.unit, "doc": d.doc,
                        "kind": d.kind, "low": d.low, "high": d.high,
                        "choices": list(d.choices),
                        "prior": sc.priors[n].model_dump() if n in sc.priors else None,
                        "source": (spec.parameters[n].source if n in spec.parameters
                                   and spec.parameters[n].source else d.source),
                        "assumption": d.assumption or (n in spec.parameters
                                                       and spec.parameters[n].assumption),
                        "claims": list(d.claim), "mechanism": owner.get(n)}
                       for n, d in sc.decls.items()],
        "conditions": list(spec.conditions),
        "strategies": [{"name": n, "doc": " ".join(str(s.get("doc", "")).split()),
                        "source": s.get("source"), "rules": s.get("rules"),
                        "extends": s.get("extends"),
                        "switch": {k: s[k] for k in ("before", "after", "at") if k in s}
                        or None}
                       for n, s in spec.strategies.items()],
        "language": _language(sc),
        "outcomes": {n: o.model_dump() for n, o in spec.outcomes.items()},
        "theories": list(sc.decls["theory"].choices) if "theory" in sc.decls else [],
        "theory_doc": sc.decls["theory"].doc if "theory" in sc.decls else None,
        "game": spec.play is not None,
    }


def _actors(sc: Scenario) -> list[dict[str, Any]]:
    """Who acts: the populations of individuals, and the collective actors of the model."""
    out = [{"name": n, "kind": "population", "doc": p.doc,
            "size": p.size if isinstance(p.size, int) else sc.values.get(p.size),
            "source": p.source} for n, p in sc.spec.populations.items()]
    names = {m.name for m in sc.mechanisms}
    if "people" in names:
        for label, param in (("workers", "workforce"), ("party members", "members_1923"),
                             ("apparatus officials", "officials")):
            if param in sc.decls:
                d = sc.decls[param]
                out.append({"name": label, "kind": "individuals", "doc": d.doc,
                            "size": sc.values.get(param), "source": d.source})
    if "coalitions" in names:
        from inevitable.mechanisms.soviet import common

        out += [{"name": f, "kind": "faction", "doc": f"leadership faction '{f}'",
                 "size": None, "source": None} for f in common.FACTIONS]
        out.append({"name": "the Opposition", "kind": "player",
                    "doc": "acts through its strategy (the rule language) or your moves",
                    "size": None, "source": None})
    return out


def _language(sc: Scenario) -> dict[str, list[str]] | None:
    """The names a strategy's rules may use (for the explorer's rule editor)."""
    if "strategy" not in {m.name for m in sc.mechanisms}:
        return None
    from inevitable.mechanisms.soviet import common

    return {"observables": list(common.OBSERVABLES), "actions": list(common.ACTIONS)}
