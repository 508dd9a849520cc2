"""Mechanisms, one module each; importing this package registers them by name."""

from inevitable.mechanisms import epstein, granovetter, soviet, toy

__all__ = ["epstein", "granovetter", "soviet", "toy"]
