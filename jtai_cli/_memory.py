"""Keep the C heap from holding on to memory the Rust reader has freed (glibc only).

jtai reads the next sheet on a second thread (``validation.load_dataset``). glibc's malloc
gives each thread its own arena: the reader's cells are allocated and freed there, and the
freed pages stay in that arena, where the main thread's allocations cannot reuse them.
Measured on a 1,048,576-row sheet: peak resident memory 1.65 GB without the thread, 1.89 GB
with it; 1.62 GB with ``trim_heap()`` after each read, and 1.65 GB (address space 2.95 GB
instead of 3.23 GB) with ``share_one_arena()``. Neither changed the time (19 s).

Both are no-ops where there is no glibc (macOS, Windows, musl).
"""

from __future__ import annotations

import atexit
import ctypes
import ctypes.util
import functools
import gc
import sys
from typing import Any

_M_ARENA_MAX = -8  # from glibc's malloc.h


@functools.cache
def _libc() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim  # noqa: B018  (only glibc has it)
        libc.mallopt  # noqa: B018
    except (OSError, AttributeError):
        return None
    return libc


def trim_heap() -> None:
    """Give the memory freed on this thread's arena back to the system (``malloc_trim``)."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


def share_one_arena() -> None:
    """Make every thread of this process allocate from one malloc arena.

    Called by the ``jtai`` command only (its own process); a library should not change how
    its host process allocates.
    """
    libc = _libc()
    if libc is not None:
        libc.mallopt(_M_ARENA_MAX, 1)


def settle_imports() -> None:
    """Keep the garbage collector off the objects every import leaves behind (a CLI's own).

    The ~110,000 objects that importing pandas, numpy, pydantic, typer and rich leaves are
    never garbage, yet every full collection walks them: measured 0.3-0.7 s a pass on this
    2-core machine, and interpreter shutdown runs several passes, so a run's teardown took
    3-5 s after its work was done (0.4-0.7 s with them frozen). ``gc.freeze`` moves them out
    of the collector's way now, and again at exit for whatever the run left; their memory is
    still freed at exit, and outputs are complete before then (written and renamed in place
    by ``_files.atomic_write``).

    The collector's first generation is also made larger (``_YOUNG`` new objects between its
    passes instead of Python's 700): a run keeps the workbook's rows (a list per row) while
    it checks and copies them, and every pass that reaches the oldest generation walks them
    all. Measured in-process on the 600,000-row messy workbook (``benchmarks/messy.py``),
    validating for a highlighted copy and writing it: 3.9 s of 73 s CPU in 2,000 passes with
    Python's thresholds, 0.75 s in 26 passes with 50,000 (peak memory the same, 1.46 GB); at
    60,000 rows 0.2 s against 0.04 s. Garbage in reference cycles is still collected, a
    little later.

    Called by the ``jtai`` command only, after its imports.
    """
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(_YOUNG, middle, old)
    atexit.register(gc.freeze)


#: New objects between passes of the collector's youngest generation in the ``jtai`` command.
_YOUNG = 50_000
