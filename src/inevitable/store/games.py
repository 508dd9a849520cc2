"""Finished games, kept beside the runs: the paths players found.

Each finished game is one JSON line in ``games.jsonl`` (scenario, theory,
the moves, the chance of the outcome it reached on its own seeds, and its
permalink). Later games measure themselves against the best paths found so
far, on their own seeds. Lines are appended whole under a lock, and a line
that cannot be read (a crash mid-write) is skipped, never fatal.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

FILE = "games.jsonl"


class GameLog:
    def __init__(self, directory: str | Path) -> None:
        self.path = Path(directory) / FILE
        self._lock = threading.Lock()

    def record(self, scenario: str, theory: str | None, moves: list[str], value: float,
               permalink: dict[str, Any]) -> None:
        line = json.dumps({"scenario": scenario, "theory": theory, "moves": list(moves),
                           "value": float(value), "permalink": permalink,
                           "created": time.time()}, sort_keys=True)
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(line + "\n")
                fh.flush()

    def games(self) -> list[dict[str, Any]]:
        with self._lock:
            try:
                lines = self.path.read_text(encoding="utf-8").splitlines()
            except FileNotFoundError:
                return []
        out = []
        for line in lines:
            try:
                g = json.loads(line)
            except ValueError:
                continue
            if isinstance(g, dict) and isinstance(g.get("moves"), list):
                out.append(g)
        return out

    def best_paths(self, scenario: str, theory: str | None, n: int = 3) -> dict[str, list[str]]:
        """The ``n`` distinct paths with the lowest chance found for this scenario and theory."""
        seen: dict[tuple, float] = {}
        for g in self.games():
            if g.get("scenario") != scenario or g.get("theory") != theory:
                continue
            key = tuple(str(m) for m in g["moves"])
            value = float(g.get("value", 1.0))
            seen[key] = min(value, seen.get(key, value))
        ranked = sorted(seen.items(), key=lambda kv: (kv[1], kv[0]))[:n]
        return {f"path found by another player (#{i + 1}, {value:.0%} on its seeds)": list(path)
                for i, (path, value) in enumerate(ranked)}
