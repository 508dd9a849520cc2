"""A month-by-month account of one run of ``soviet-1923``, in plain words.

It reads only the run's series and the scenario's dated events, so it tells
what the mechanisms produced (alliances breaking, expulsions, the left turn)
apart from what the record fed in (marked "record:").
"""

from __future__ import annotations

from collections import defaultdict

from inevitable.engine.result import RunResult

ACTION_WORDS = {
    "platform": "campaigns openly inside the party",
    "support_strikes": "backs the strikers and the Workers' Group",
    "defend_persecuted": "defends the persecuted",
    "appeal_workers": "appeals to non-party workers",
    "organise_faction": "organises as a faction",
    "prepare_split": "prepares a split and a new party",
    "seek_bloc": "seeks a bloc with other leaders",
    "hold_demands": "presses its international demands",
    "demonstrate": "takes to the streets",
    "abstain": "lies low",
}

FLAGS = {
    "leningrad_in_opposition": ("The Leningrad group (Zinoviev, Kamenev) breaks with the Centre",
                                None),
    "united_opposition": ("Trotsky and the Leningrad group form the United Opposition",
                          "The United Opposition falls apart; the Zinovievists recant"),
    "right_in_opposition": ("The Right (Bukharin, Rykov, Tomsky) breaks with the Centre", None),
}


def _n(x: float) -> str:
    return f"{round(x):,}"


def chronicle(result: RunResult, events: list[dict] | tuple = ()) -> list[str]:
    """Lines of the form ``'1927-11: Opposition leaders expelled; 2,140 cadres remain'``."""
    s = result.series
    labels = result.labels
    lines: dict[int, list[str]] = defaultdict(list)

    def was(name, t, level=0.5):
        return s[name][t] >= level

    for ev in events:
        t = ev.get("step", -1)
        if 0 <= t < len(labels) and ev.get("set"):
            lines[t].append(f"record: {ev['name'].replace('-', ' ')}")
    wave = False
    for t in range(1, len(labels)):
        out = lines[t]
        started = [a for a, words in ACTION_WORDS.items()
                   if f"act_{a}" in s and was(f"act_{a}", t) and not was(f"act_{a}", t - 1)]
        if started:
            out.append("The Opposition " + ", ".join(ACTION_WORDS[a] for a in started))
        for name, (up, down) in FLAGS.items():
            if name in s and was(name, t) and not was(name, t - 1):
                out.append(up)
            if down and name in s and was(name, t - 1) and not was(name, t):
                out.append(down)
        if s["strikes"][t] > 0 and not wave:
            out.append(f"Strikes spread: {_n(s['strikes'][t])} this month")
            wave = True
        elif s["strikes"][t] == 0 and wave:
            out.append("The strikes die down")
            wave = False
        if s["gathering"][t] >= 0.5:
            out.append(f"Party gathering: the Opposition holds "
                       f"{s['opposition_delegates'][t]:.0%} of the voting delegates")
        if was("leaders_expelled", t) and not was("leaders_expelled", t - 1):
            out.append(f"Opposition leaders expelled; {_n(s['cadre'][t])} cadres remain")
        if was("defeated", t) and not was("defeated", t - 1):
            out.append(f"The Opposition is defeated: its organised cadre is broken "
                       f"({_n(s['cadre'][t])} remain)")
        if was("policy_left", t) and not was("policy_left", t - 1):
            out.append("The leadership turns left: forced industrialisation and "
                       "collectivisation")
        if s["hope"][t] < s["hope"][t - 1] - 1e-9:
            out.append("A revolution abroad is defeated; hopes fall")
        elif s["hope"][t] > s["hope"][t - 1] + 1e-9:
            out.append("A revolution abroad succeeds; hopes rise")
        if labels[t].endswith("-01"):
            out.append(f"{labels[t][:4]} in numbers: {_n(s['members'][t])} party members, "
                       f"{_n(s['cadre'][t])} Opposition cadre; {s['sympathy'][t]:.0%} sympathise "
                       f"in private, {s['public_support'][t]:.1%} in public; mean fear "
                       f"{s['fear'][t]:.2f}")
    return [f"{labels[t]}: {'; '.join(msgs)}" for t, msgs in sorted(lines.items()) if msgs]
