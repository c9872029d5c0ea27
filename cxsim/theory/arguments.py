"""Checks of the arguments closed forms take: each names the argument and what is allowed."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["fraction", "real", "whole"]


def whole(name: str, value: int, minimum: int = 0) -> int:
    """``value`` as an int, if it is a whole number >= ``minimum``; else TypeError/ValueError."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name}(={value!r}) must be an int")
    if value < minimum:
        raise ValueError(f"{name}(={value}) must be >= {minimum}")
    return int(value)


def real(name: str, value: float, *, positive: bool = False, finite: bool = True) -> float:
    """``value`` as a float, if it is >= 0 (> 0 if ``positive``; finite if ``finite``)."""
    v = float(value)
    if math.isnan(v) or v < 0.0 or (positive and v == 0.0):
        raise ValueError(f"{name}(={value}) must be {'>' if positive else '>='} 0")
    if finite and math.isinf(v):
        raise ValueError(f"{name}(={value}) must be finite")
    return v


def fraction(name: str, value: float, *, open_low: bool) -> float:
    """``value`` as a float, if it lies in [0, 1) (in (0, 1) if ``open_low``)."""
    v = float(value)
    if not (0.0 < v < 1.0 if open_low else 0.0 <= v < 1.0):
        raise ValueError(f"{name}(={value}) must be in {'(' if open_low else '['}0, 1)")
    return v
