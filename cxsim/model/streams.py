"""Named random streams: one ``numpy.random.Generator`` per source of randomness.

A stream's seed depends only on the root seed, the replication and the stream's name, never on
which other streams exist. Two scenarios run with the same seed therefore draw the same arrivals
and handle times wherever they share a queue (common random numbers), and adding a region or a
channel does not reshuffle the numbers of the others.
"""

from __future__ import annotations

import hashlib

import numpy as np

__all__ = ["stream"]


def stream(seed: int, replication: int, name: str) -> np.random.Generator:
    """The generator of stream ``name`` in replication ``replication`` of root seed ``seed``."""
    if seed < 0:
        raise ValueError(f"seed(={seed}) must be >= 0")
    if replication < 0:
        raise ValueError(f"replication(={replication}) must be >= 0")
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=16).digest()
    words = [int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4)]
    sequence = np.random.SeedSequence(seed, spawn_key=(replication, *words))
    return np.random.Generator(np.random.PCG64(sequence))
