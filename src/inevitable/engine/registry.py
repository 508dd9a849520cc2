"""Mechanisms by name, so that snapshots on disk and scenario files can name them.

The engine only keeps the table; ``inevitable.mechanisms`` fills it when
imported, and users register their own mechanisms with :func:`register`.
"""

from __future__ import annotations

from inevitable.engine.mechanism import Mechanism

_MECHANISMS: dict[str, type[Mechanism]] = {}


def register(cls: type[Mechanism]) -> type[Mechanism]:
    """Class decorator: make a mechanism known by its ``name``."""
    if not cls.name:
        raise TypeError(f"{cls.__qualname__} has no name")
    existing = _MECHANISMS.get(cls.name)
    if existing is not None and existing is not cls:
        raise TypeError(f"two mechanisms are named '{cls.name}'")
    _MECHANISMS[cls.name] = cls
    return cls


def mechanism(name: str) -> type[Mechanism]:
    if name not in _MECHANISMS:
        import inevitable.mechanisms  # noqa: F401  (fills the table)
    try:
        return _MECHANISMS[name]
    except KeyError:
        raise KeyError(f"no mechanism named '{name}'") from None


def all_mechanisms() -> dict[str, type[Mechanism]]:
    import inevitable.mechanisms  # noqa: F401

    return dict(_MECHANISMS)


# Compiled runners: a model (mechanisms in a given order) may come with a
# function that runs many replications in one compiled call, equal bit for bit
# to stepping a Sim. ``runner(scenario, runs)`` takes ``(seed, params, branch,
# branch_params)`` tuples and returns, per run, (full series, finals).
_RUNNERS: dict[tuple[str, ...], object] = {}


def register_runner(order: tuple[str, ...], runner) -> None:
    """Make ``runner`` the compiled path for models of exactly these mechanisms."""
    _RUNNERS[tuple(order)] = runner


def compiled_runner(mechanisms) -> object | None:
    """The compiled runner for a model (its mechanism classes, in order), if any."""
    import inevitable.mechanisms  # noqa: F401  (registers the runners too)

    return _RUNNERS.get(tuple(m.name for m in mechanisms))
