"""Print the generated tables of docs/odd.md (the ODD description of soviet-1923).

Every table here is read from the code and the scenario file, never typed by
hand, so that docs/odd.md can be refreshed when the model is retuned:

    python docs/tools/odd_tables.py                 # every table, in doc order
    python docs/tools/odd_tables.py params events   # some of them

    python docs/tools/odd_tables.py --fill docs/odd.md   # refresh the doc in place

Sections: order, state, streams, params, events, targets, claims, outputs. In
docs/odd.md each block sits between ``<!-- generated: NAME ... -->`` and
``<!-- end: NAME -->``; ``--fill`` replaces exactly those blocks.
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import math
import re
from collections import defaultdict
from pathlib import Path

import inevitable as inv
from inevitable.engine.params import Beta, LogUniform, Normal, Triangular, Uniform

SCENARIO = "soviet-1923"


def cell(x) -> str:
    """Text safe inside a markdown table cell."""
    return str(x).replace("|", "\\|").replace("\n", " ").strip()


def num(x) -> str:
    if isinstance(x, bool):
        return "on" if x else "off"
    if isinstance(x, int):
        return f"{x:,}"
    if isinstance(x, float):
        if x.is_integer() and abs(x) >= 1000:
            return f"{int(x):,}"
        if x != 0 and (abs(x) >= 1e5 or abs(x) < 1e-3):
            return f"{x:.3g}"
        return f"{x:g}"
    if isinstance(x, list | tuple):
        return "[" + ", ".join(num(v) for v in x) + "]"
    return str(x)


def prior_text(p) -> str:
    if p is None:
        return "—"
    if isinstance(p, LogUniform):
        return f"logU({num(p.low)}, {num(p.high)})"
    if isinstance(p, Uniform):
        return f"U({num(p.low)}, {num(p.high)})"
    if isinstance(p, Normal):
        bounds = ""
        if math.isfinite(p.low) or math.isfinite(p.high):
            bounds = f" on [{num(p.low)}, {num(p.high)}]"
        return f"N({num(p.mean)}, {num(p.sd)}){bounds}"
    if isinstance(p, Beta):
        on = "" if (p.low, p.high) == (0.0, 1.0) else f" on [{num(p.low)}, {num(p.high)}]"
        return f"Beta({num(p.a)}, {num(p.b)}){on}"
    if isinstance(p, Triangular):
        return f"Tri({num(p.low)}, {num(p.mode)}, {num(p.high)})"
    return str(p)


def basis(decl) -> str:
    """What the default rests on, from the declaration's own words."""
    src = decl.source.lower()
    if decl.kind == "bool" and src == "model structure":
        return "switch"
    if src.startswith("definition") or "(outcome)" in src or src.startswith("design section 2"):
        return "definition"
    if src == "model resolution":
        return "resolution"
    if decl.kind in ("choice", "str", "month") and decl.prior is None:
        return "setting"
    if decl.assumption:
        return "assumption, calibrated" if "calibrated" in src else "assumption"
    return "sourced"


def header(*cols) -> list[str]:
    return ["| " + " | ".join(cols) + " |", "|" + "|".join(" --- " for _ in cols) + "|"]


def row(*cols) -> str:
    return "| " + " | ".join(cell(c) for c in cols) + " |"


# -- sections ------------------------------------------------------------------------


def t_order(sc) -> list[str]:
    out = header("#", "mechanism", "module", "claims (code)", "switch")
    for i, m in enumerate(sc.mechanisms, 1):
        module = inspect.getmodule(m).__name__.rsplit(".", 1)[-1] + ".py"
        switches = [n for n, d in m.params.items() if basis(d) == "switch"]
        out.append(row(i, m.name, module, ", ".join(m.claims) or "—",
                       ", ".join(switches) or "—"))
    return out


def t_state(sc) -> list[str]:
    sim = sc.sim(seed=0)
    out = header("state array", "shape (default scale)", "dtype")
    for key, arr in sim.state.items():
        out.append(row(f"`{key}`", "scalar" if arr.shape == () else " x ".join(
            f"{d:,}" for d in arr.shape), arr.dtype))
    return out


def t_streams(sc) -> list[str]:
    names: dict[str, set[str]] = defaultdict(set)
    for theory in ("T", "C", "N"):
        for strategy in sc.spec.strategies:
            sim = sc.sim(seed=0, params={"theory": theory, "strategy": strategy})
            sim.run()
            for name in sim._streams:
                names[name].add(f"{theory}:{strategy}")
    out = header("stream", "mechanism")
    for name in sorted(names):
        out.append(row(f"`{name}`", name.split(".", 1)[0]))
    return out


def t_params(sc) -> list[str]:
    owners: dict[str, list[str]] = defaultdict(list)
    order: list[str] = []
    for m in sc.mechanisms:
        for name in m.params:
            if name not in owners:
                order.append(name)
            owners[name].append(m.name)
    out = header("parameter", "mechanism", "default", "unit", "prior", "basis", "source",
                 "claim")
    for name in order:
        d = sc.decls[name]
        value = sc.values[name]
        overridden = " (scenario file)" if name in sc.spec.parameters else ""
        out.append(row(f"`{name}`", ", ".join(owners[name]), num(value) + overridden,
                       d.unit or "—", prior_text(sc.priors.get(name)), basis(d),
                       d.source or "—", ", ".join(d.claim) or "—"))
    return out


def _readers() -> dict[str, list[str]]:
    """Which mechanism modules read each event key (by the key's quoted name in the code)."""
    from inevitable.mechanisms import soviet

    texts = {}
    # batch.py is the compiled runner's table builder: it names every event key by
    # construction and reads none on the mechanisms' behalf, so it is no reader
    for modname in (m for m in soviet.__all__ if m != "batch"):
        mod = getattr(soviet, modname)
        texts[modname] = inspect.getsource(mod)
    keys: dict[str, list[str]] = defaultdict(list)
    for modname, text in texts.items():
        found = set(re.findall(r"""["']([a-z_]+)["']""", text))
        if "gathering_now(" in text:  # common.gathering_now reads the key on the caller's behalf
            found.add("gathering")
        for key in found:
            keys[key].append(modname)
    return keys


def _source_keys(source: str) -> str:
    keys = re.findall(r"\[([a-z0-9-]+)\]", source)
    return ", ".join(f"[{k}]" for k in dict.fromkeys(keys)) if keys else source


def _flag(note: str | None) -> str:
    note = note or ""
    flags = []
    if re.search(r"assumption", note, re.I):
        flags.append("assumed")
    if "DERIVED" in note:
        flags.append("derived")
    if "CONTESTED" in note:
        flags.append("contested")
    return ", ".join(flags) or "—"


def _init_readers(sc) -> set[str]:
    """Mechanisms that apply step-0 events in ``init`` (the others start at step 1).

    Reads ``init`` and the mechanism's own methods that ``init`` calls
    (``self._apply(sim, 0)`` and the like), one level deep.
    """
    out = set()
    for m in sc.mechanisms:
        src = inspect.getsource(m.init)
        for called in set(re.findall(r"self\.(\w+)\(", src)):
            fn = getattr(m, called, None)
            if callable(fn) and called not in ("alloc", "stream"):
                with contextlib.suppress(OSError, TypeError):
                    src += inspect.getsource(fn)
        if "events_at" in src or "inputs_at" in src:
            out.add(m.name)
    return out


def t_events(sc) -> list[str]:
    readers = _readers()
    at_init = _init_readers(sc)
    out = header("date", "step", "event", "sets", "read by", "source", "magnitude")
    for ev in sc.events:
        s = ev.get("set") or {}
        sets = ", ".join(f"{k}={num(v)}" for k, v in s.items()) or "(marker only)"
        keys = [key for key in s if not key.endswith("_name")]
        read = sorted({m for key in keys for m in readers.get(key, [])})
        unread = [key for key in keys if not readers.get(key)]
        read_text = ", ".join(read) if s else "—"
        if unread:
            read_text += f" (read by none: {', '.join(unread)})"
        if ev["step"] == 0:
            missed = [m for m in read if m not in at_init]
            if missed:
                read_text += f" (ignored at step 0 by {', '.join(missed)})"
        out.append(row(ev["date"], ev["step"], ev["name"], sets, read_text,
                       _source_keys(ev["source"]), _flag(ev.get("note")) if s else "—"))
    return out


def t_targets(sc) -> list[str]:
    tl = sc.timeline
    out = header("target", "quantity", "date (step)", "figure", "source")
    for t in sc.spec.targets:
        when = "final" if t.date is None else f"{t.date} ({tl.step_of(str(t.date))})"
        fig = (f"{num(t.value)} ± {num(t.sd)}" if t.value is not None
               else f"[{num(t.low)}, {num(t.high)}]")
        out.append(row(t.id, f"`{t.quantity}`", when, fig, _source_keys(t.source)))
    return out


def t_claims(sc) -> list[str]:
    in_code: dict[str, list[str]] = defaultdict(list)
    for m in sc.mechanisms:
        for cid in m.claims:
            in_code[cid].append(m.name)
    for pname, d in sc.decls.items():
        for cid in d.claim:
            in_code[cid].append(f"`{pname}`")
    out = header("claim", "author (page)", "kind", "mechanisms in the ledger",
                 "encoded in the code", "tested by")
    for c in sc.spec.claims:
        ledger = [e.split(":", 1)[1] for e in c.encodes if e.startswith("mechanism:")]
        other = [e for e in c.encodes if not e.startswith("mechanism:")]
        page = f" ({c.page})" if c.page else ""
        mech = ", ".join(ledger) or "—"
        if other:
            mech += "; " + ", ".join(other)
        out.append(row(c.id, f"{c.author}{page}", c.kind, mech,
                       ", ".join(in_code.get(c.id, [])) or "—", ", ".join(c.tested_by)))
    return out


def t_outputs(sc) -> list[str]:
    out = header("output", "kind", "mechanism", "unit", "meaning")
    for m in sc.mechanisms:
        for name, o in m.series.items():
            out.append(row(f"`{name}`", "series", m.name, o.unit or "—", o.doc))
        for name, o in m.finals.items():
            out.append(row(f"`{name}`", "final", m.name, o.unit or "—", o.doc))
    return out


SECTIONS = {"order": t_order, "state": t_state, "streams": t_streams, "params": t_params,
            "events": t_events, "targets": t_targets, "claims": t_claims,
            "outputs": t_outputs}


def fill(path: str, sc) -> None:
    """Rewrite, in place, every generated block that the file contains."""
    text = Path(path).read_text(encoding="utf-8")
    for name, fn in SECTIONS.items():
        pattern = re.compile(rf"<!-- generated: {name}\b.*?-->\n.*?<!-- end: {name} -->",
                             re.S)
        block = block_text(name, fn(sc))
        text = pattern.sub(lambda _m, b=block: b, text)
    Path(path).write_text(text, encoding="utf-8")


def block_text(name: str, lines: list[str]) -> str:
    return "\n".join([f"<!-- generated: {name} (python docs/tools/odd_tables.py {name}) -->",
                      *lines, f"<!-- end: {name} -->"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sections", nargs="*", help=f"any of: {', '.join(SECTIONS)} (default: all)")
    ap.add_argument("--scenario", default=SCENARIO)
    ap.add_argument("--fill", metavar="FILE",
                    help="rewrite the generated blocks of FILE in place (e.g. docs/odd.md)")
    a = ap.parse_args()
    unknown = [n for n in a.sections if n not in SECTIONS]
    if unknown:
        ap.error(f"unknown section {unknown[0]!r} (known: {', '.join(SECTIONS)})")
    sc = inv.scenario(a.scenario)
    if a.fill:
        fill(a.fill, sc)
        return
    for name in a.sections or SECTIONS:
        print(block_text(name, SECTIONS[name](sc)) + "\n")


if __name__ == "__main__":
    main()
