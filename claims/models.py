"""Value objects of claim logic."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CheckWorthy:
    """A sentence proposed as a claim worth checking, with why it was picked."""

    text: str
    score: float
    reasons: tuple[str, ...]
    index: int  # position of the sentence in the caller's input, to map it back to its passage
