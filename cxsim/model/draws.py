"""Random draws one at a time, at the cost of a list read: values are drawn in bulk and buffered.

A ``Draws`` belongs to one named stream and refills itself with ``batch`` values at a time: one
numpy call per batch instead of one per value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from cxsim.scenario.distributions import Distribution

__all__ = ["Draws", "samples", "uniforms"]


class Draws:
    """Values of one stream, handed out one by one."""

    __slots__ = ("_draw", "_i", "_values", "batch")

    def __init__(self, draw: Callable[[int], np.ndarray], batch: int = 1024) -> None:
        self._draw = draw
        self.batch = batch
        self._values: list[float] = []
        self._i = 0

    def next(self) -> float:
        """The next value of the stream."""
        i = self._i
        if i == len(self._values):
            self._values = self._draw(self.batch).tolist()
            i = 0
        self._i = i + 1
        return self._values[i]


def uniforms(rng: np.random.Generator, batch: int = 1024) -> Draws:
    """Uniform values on [0, 1) from ``rng``."""
    return Draws(rng.random, batch)


def samples(distribution: Distribution, rng: np.random.Generator, scale: float = 1.0) -> Draws:
    """Values of ``distribution`` times ``scale`` (say 60 to turn hours into minutes)."""

    def draw(size: int) -> np.ndarray:
        return distribution.sample(rng, size) * scale

    return Draws(draw)
