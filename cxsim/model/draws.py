"""Random draws one at a time, at the cost of a list read, or in arrays: drawn in bulk, buffered.

A ``Draws`` belongs to one named stream and refills itself with ``batch`` values at a time: one
numpy call per batch instead of one per value. A ``DrawBuffer`` hands out arrays of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import chain
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from cxsim.scenario.distributions import Distribution

__all__ = ["DrawBuffer", "Draws", "sample_buffer", "samples", "uniform_buffer", "uniforms"]


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


class DrawBuffer:
    """Values of one stream in arrays: ``take(n)``, or ``peek(n)`` and later ``consume(k)``.

    A bulk step that may stop part-way (say at the first order short of stock) peeks at the
    values it might need and consumes only those it used: the next step draws on from there, as
    if the unused values had never been looked at.
    """

    __slots__ = ("_batch", "_buffer", "_draw", "_start")

    def __init__(self, draw: Callable[[int], np.ndarray], batch: int = 1024) -> None:
        self._draw = draw
        self._batch = batch
        self._buffer = np.empty(0)
        self._start = 0

    def peek(self, count: int) -> np.ndarray:
        """The next ``count`` values, not consumed (a view: do not change it)."""
        end = self._start + count
        if end > self._buffer.size:
            kept = self._buffer[self._start:]
            more = max(self._batch, count - kept.size)
            self._buffer = np.concatenate((kept, self._draw(more)))
            self._start, end = 0, count
        return self._buffer[self._start:end]

    def consume(self, count: int) -> None:
        """Drop the next ``count`` values (peeked before)."""
        self._start += count

    def take(self, count: int) -> np.ndarray:
        """The next ``count`` values, consumed."""
        values = self.peek(count)
        self._start += count
        return values


def sample_buffer(
    distribution: Distribution, rng: np.random.Generator, scale: float = 1.0
) -> DrawBuffer:
    """A ``DrawBuffer`` of ``distribution`` times ``scale``."""

    def draw(size: int) -> np.ndarray:
        return distribution.sample(rng, size) * scale

    return DrawBuffer(draw)


def uniform_buffer(rng: np.random.Generator) -> DrawBuffer:
    """A ``DrawBuffer`` of uniform values on [0, 1) from ``rng``."""
    return DrawBuffer(rng.random)
