"""Run an independent step beside the main one, on a second core.

Scoring and cleaning are chains of NumPy, Arrow and pandas passes over whole
columns, and most of those passes release the GIL while they work. Two steps
that share no mutable state (the ministry detail tables and the ministry
indicators; two chunks of a big CSV being cleaned; the next block of it being
parsed while the last is spilled) therefore overlap on two cores. On one core
there is nothing to gain: a step runs when its result is first asked for, as
if called there, and a prefetched iterator is the iterator itself.

Results never depend on the lane a step ran in: each step reads its inputs
and builds new objects; what two steps share is read-only or locked (the
streaming loader's memo of clean texts).
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")
A = TypeVar("A")

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


def in_order(fn: Callable[[A], T], items: Iterable[A]) -> Iterator[T]:
    """``fn(x)`` for each of ``items``, in order, two at a time.

    The next item's ``fn`` starts on a second lane (a :class:`Background`)
    before this one's result is handed over, so it runs while the caller
    takes this one and while ``fn`` of this one finishes. Without a spare
    core each ``fn`` runs when its result is taken. An exception of ``fn`` is
    raised where its result would have been.

    Parameters
    ----------
    fn : callable
        Must not write to anything another call, or the caller, reads.
    items : iterable
        Read on the caller's lane, one ahead of the results.

    Examples
    --------
    >>> list(in_order(lambda x: x * x, range(5)))
    [0, 1, 4, 9, 16]
    """
    pending: Background[T] | None = None
    for x in items:
        job = Background(fn, x)
        if pending is not None:
            yield pending.result()
        pending = job
    if pending is not None:
        yield pending.result()


_DONE = object()


def prefetched(items: Iterator[T], ahead: int = 1) -> Iterator[T]:
    """``items``, produced on a worker thread up to ``ahead`` items in advance.

    The producer's work (say parsing the next block of a file) then overlaps
    the consumer's (say writing the previous block). The order is kept; an
    exception of the producer is raised where the consumer would have met it.
    Without a spare core, ``items`` itself is returned.

    Parameters
    ----------
    items : iterator
        Must not touch what the consumer changes while the two run.
    ahead : int
        Items held ready at most.

    Examples
    --------
    >>> list(prefetched(iter(range(5))))
    [0, 1, 2, 3, 4]
    """
    if not (ENABLED and _spare_core()):
        return items
    return _prefetch(items, ahead)


def _prefetch(items: Iterator[T], ahead: int) -> Iterator[T]:
    ready: queue.Queue = queue.Queue(maxsize=ahead)
    stop = threading.Event()

    def put(x: object) -> bool:
        while not stop.is_set():
            try:
                ready.put(x, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for x in items:
                if not put((x, None)):
                    break
            else:
                put((_DONE, None))
        except BaseException as e:  # handed to the consumer
            put((_DONE, e))
        finally:
            close = getattr(items, "close", None)
            if close is not None:  # a generator's files are closed here, not by GC
                close()

    worker = threading.Thread(target=produce, name="ospo-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            x, error = ready.get()
            if x is _DONE:
                if error is not None:
                    raise error
                return
            yield x
    finally:
        # The consumer stopped (done, failed or closed): let the producer go.
        stop.set()
        worker.join()
