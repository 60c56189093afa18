"""Where the time goes: named stages of an import or a check, timed only while a caller collects them.

    with collect() as seconds:
        import_files(...)
    seconds  # {"parse": 1.2, "segment": 3.4, "embed": 20.1, ...}

Code marks a step with `with stage("embed"):`; outside collect() that costs one context-variable read. A stage
inside another is taken out of the outer one, so the figures add up to the time spent in marked code. A thread
started with the collecting context (`copy_context().run`) adds its stages to the same figures: then they add up
to the time of all threads together, which can exceed the time the block took.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass
class _Collector:
    seconds: dict[str, float] = field(default_factory=dict)
    # Per thread, per open stage: the time spent in stages inside it.
    inner: dict[int, list[float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


_active: ContextVar[_Collector | None] = ContextVar("workbench_stages", default=None)


@contextmanager
def stage(name: str) -> Iterator[None]:
    """Time the block as `name` when a collect() is active; do nothing otherwise."""
    collector = _active.get()
    if collector is None:
        yield
        return
    inner = collector.inner.setdefault(threading.get_ident(), [])  # only this thread touches its own list
    inner.append(0.0)
    started = time.perf_counter()
    try:
        yield
    finally:
        elapsed = time.perf_counter() - started
        own = elapsed - inner.pop()
        with collector.lock:
            collector.seconds[name] = collector.seconds.get(name, 0.0) + own
        if inner:
            inner[-1] += elapsed


@contextmanager
def collect() -> Iterator[dict[str, float]]:
    """Collect the seconds of every stage run inside the block, by name (filled in as the block runs)."""
    collector = _Collector()
    token = _active.set(collector)
    try:
        yield collector.seconds
    finally:
        _active.reset(token)
