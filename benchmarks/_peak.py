"""This process's own peak memory, for the benchmarks' measured children.

Linux carries a parent's resident size into its child's ``ru_maxrss`` at
exec, so a child started by a benchmark that generated gigabytes of input
would report the parent's peak, not its own. ``VmHWM`` (the high-water mark
of this process's own memory, new at exec) is read instead; ``ru_maxrss``
where ``/proc`` is missing.
"""

from __future__ import annotations

import re
import resource
import sys


def peak_gb() -> float:
    """Peak resident memory of this process since it started, in GiB."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            found = re.search(r"VmHWM:\s+(\d+) kB", fh.read())
        if found:
            return int(found.group(1)) / 1024**2
    except OSError:
        pass
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024**3 if sys.platform == "darwin" else kb / 1024**2  # macOS: bytes
