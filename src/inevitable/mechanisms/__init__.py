"""Mechanisms, one module each; importing this package registers them by name."""

from inevitable.mechanisms import granovetter

__all__ = ["granovetter"]
