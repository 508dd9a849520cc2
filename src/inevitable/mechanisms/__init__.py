"""Mechanisms, one module each; importing this package registers them by name."""

from inevitable.mechanisms import granovetter, soviet

__all__ = ["granovetter", "soviet"]
