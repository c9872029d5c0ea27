"""Random draws one at a time, at the cost of a list read: values are drawn in bulk and buffered.

A ``Draws`` belongs to one named stream and refills itself with ``batch`` values at a time: one
numpy call per batch instead of one per value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import chain
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from cxsim.scenario.distributions import Distribution

__all__ = ["Draws", "samples", "uniforms"]


class Draws:
    """Values of one stream, handed out one by one: ``draws.next()``.

    ``next`` is the C-level ``__next__`` of an iterator over the batches, so that a value costs
    no Python frame; the next batch is drawn when the last one runs out, as a buffer would.
    """

    __slots__ = ("next",)

    def __init__(self, draw: Callable[[int], np.ndarray], batch: int = 1024) -> None:
        def batches() -> Iterator[list[float]]:
            while True:
                yield draw(batch).tolist()

        self.next: Callable[[], float] = chain.from_iterable(batches()).__next__


def uniforms(rng: np.random.Generator, batch: int = 1024) -> Draws:
    """Uniform values on [0, 1) from ``rng``."""
    return Draws(rng.random, batch)


def samples(distribution: Distribution, rng: np.random.Generator, scale: float = 1.0) -> Draws:
    """Values of ``distribution`` times ``scale`` (say 60 to turn hours into minutes)."""

    def draw(size: int) -> np.ndarray:
        return distribution.sample(rng, size) * scale

    return Draws(draw)
