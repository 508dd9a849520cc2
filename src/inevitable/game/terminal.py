"""``inevitable play``: the game in the terminal, move by move.

The same game as the web page Play (same turns, same numbers for the same
seed); it prints the juncture, asks for a move (a number or a name), runs
the ensemble with a progress bar and prints how the odds moved. ``moves``
replays a game without asking, e.g. from a permalink.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from inevitable.errors import InputError
from inevitable.experiments.stats import Estimate
from inevitable.game.play import Game, Summary, Turn, summary, turn
from inevitable.mechanisms.soviet.strategy import HISTORICAL_MOVE
from inevitable.report.formatting import fmt_interval

Ask = Callable[[str], str]


def pct(e: Estimate) -> str:
    return fmt_interval(e.to_dict(), "prob")


def points(e: Estimate) -> str:
    return fmt_interval(e.to_dict(), "pts")


def replay_command(g: Game, path: list[str]) -> str:
    theory = f" --theory {g.theory}" if g.theory else ""
    return (f"inevitable play {g.scenario.name}{theory} --seed {g.seed} --reps {g.reps} "
            f"--moves {','.join(path)}")


def choose(g: Game, index: int, ask: Ask, out: Console) -> str:
    """Ask for a move at juncture ``index`` until the answer names an offered one."""
    offered = g.junctures[index].moves
    while True:
        try:
            answer = ask(f"Your move at {g.junctures[index].month} (1-{len(offered)} or a name)")
        except EOFError:
            raise InputError(f"no move given at juncture {index + 1} (input closed); pass "
                             "--moves to play without asking", "--moves") from None
        answer = answer.strip()
        if answer.isdigit() and 1 <= int(answer) <= len(offered):
            return offered[int(answer) - 1]
        if answer in offered:
            return answer
        out.print(f"'{answer}' is not one of the moves offered here; answer 1-"
                  f"{len(offered)} or a move's name.", highlight=False)


def play(g: Game, moves: list[str] | None, ask: Ask, out: Console, err: Console,
         run_options: dict[str, Any], others: dict[str, list[str]] | None = None,
         ) -> tuple[list[str], list[Turn], Summary]:
    """Play (or replay) a whole game; return the path, its turns and its summary.

    ``others``: paths found in earlier games, measured against yours at the end.
    """
    if moves is not None:
        g.check(moves)
        if len(moves) != len(g.junctures):
            raise InputError(f"a game has {len(g.junctures)} moves, got {len(moves)}",
                             "--moves")
    out.print(f"[bold]{g.scenario.title}[/bold]\nYou are the Opposition. At each of "
              f"{len(g.junctures)} junctures choose its next move; {g.reps} runs show the "
              f"chance of '{g.outcome}' ({g.scenario.spec.outcomes[g.outcome].doc}) "
              f"under theory {g.theory}.", highlight=False)
    path: list[str] = []
    turns: list[Turn] = []
    for j in g.junctures:
        out.rule(f"{j.month}: {j.title}")
        out.print(j.situation, highlight=False)
        out.print(f"[dim]source: {j.source}[/dim]", highlight=False)
        for k, name in enumerate(j.moves, 1):
            m = g.moves[name]
            out.print(f"  [bold]{k:>2}. {m.label}[/bold] ({name}): {m.doc}", highlight=False)
        move = moves[j.index] if moves is not None else choose(g, j.index, ask, out)
        if moves is not None:
            out.print(f"Move: {g.moves[move].label}", highlight=False)
        path.append(move)
        t = _with_progress(err, f"juncture {j.index + 1}",
                           lambda report, p=list(path): turn(g, p, progress=report,
                                                             **run_options))
        turns.append(t)
        out.print(f"With history's course from here: {g.outcome} in {pct(t.before)}. "
                  f"Holding '{g.moves[move].label}' from here: {pct(t.after)}. Your move "
                  f"changed it by {points(t.change)}.", highlight=False)
    s = _with_progress(err, "your path and others",
                       lambda report: summary(g, path, others, progress=report,
                                              **run_options))
    out.print(summary_table(g, s))
    out.print(f"Replay this game: {replay_command(g, path)}\nIn the browser (inevitable "
              f"serve): {g.permalink_url(path)}", highlight=False, soft_wrap=True)
    return path, turns, s


def compact(path: list[str]) -> str:
    """``a, a, a, b`` -> ``a x3, b``: a path reads better with repeats folded."""
    out: list[list] = []
    for m in path:
        if out and out[-1][0] == m:
            out[-1][1] += 1
        else:
            out.append([m, 1])
    return ", ".join(m if n == 1 else f"{m} x{n}" for m, n in out)


def summary_table(g: Game, s: Summary) -> Table:
    t = Table(title=f"Chance of '{g.outcome}' on the game's {g.reps} seeds (95% intervals)")
    for col in ("path", "chance", "moves"):
        t.add_column(col)
    t.add_row("yours", pct(s.yours), compact(s.path))
    t.add_row("history's", pct(s.historical), compact([HISTORICAL_MOVE] * len(g.junctures)))
    t.add_row(f"best found ({s.best_from})", pct(s.best), compact(s.best_path))
    t.caption = f"Yours against history's, paired: {points(s.versus_historical)}"
    return t


def _with_progress(err: Console, label: str, work: Callable):
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task(label, total=None)

        def report(name: str, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return work(report)
