"""How the bank writes a number for a person: one format for prompts, verdicts and worked solutions."""

from __future__ import annotations


def format_number(value: float) -> str:
    """A number as a person writes it: ``3``, ``0.5``, ``-1.2247``, ``1e-05``."""
    value = float(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if abs(value) < 1e-3:
        return f"{value:.3g}"
    return f"{value:.4f}".rstrip("0").rstrip(".")
