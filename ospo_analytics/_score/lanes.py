"""Run an independent step of a scoring run beside the main one.

Scoring is a chain of NumPy, Arrow and pandas passes over whole columns, and
most of those passes release the GIL while they work. Two steps that share no
mutable state (say the ministry detail tables and the ministry indicators)
therefore overlap well on two cores. On one core there is nothing to gain, so
the step simply runs when its result is first asked for, as if called there.

Results never depend on the lane a step ran in: each step reads its inputs
and builds new tables; nothing is written to a shared object.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")

#: Set to False to run every step in line (tests compare both ways).
ENABLED = True


def _spare_core() -> bool:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return cores > 1


class Background(Generic[T]):
    """``fn(*args)`` started on a worker thread when a spare core exists.

    Parameters
    ----------
    fn : callable
        The step. It must not write to any object another step reads.
    *args
        Its arguments.

    Examples
    --------
    >>> job = Background(sum, [1, 2, 3])
    >>> job.result()
    6
    """

    def __init__(self, fn: Callable[..., T], *args: object) -> None:
        self._fn = fn
        self._args = args
        self._value: T | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._done = False
        if ENABLED and _spare_core():
            # Daemon: if the main lane fails first, its error is what the user
            # sees, and a still-running step does not hold the process open.
            self._thread = threading.Thread(target=self._run, name="ospo-score", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        try:
            self._value = self._fn(*self._args)
        except BaseException as e:  # handed to the caller of result()
            self._error = e
        self._done = True

    def result(self) -> T:
        """The step's return value; its exception, raised here, if it failed."""
        if self._thread is None:
            if not self._done:
                self._run()
        else:
            self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]
