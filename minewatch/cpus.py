"""How many worker processes a poll parses with.

`os.cpu_count()` counts the machine's cores, not the ones this process may use: in a container
limited to two CPUs on a 64-core host it says 64, and a poll would fork 64 workers that each
load the tagger's tables for a share of work two cores do. So the count here is the smallest of
the CPU affinity mask, the cgroup's CPU quota (v2 `cpu.max`, v1 `cpu.cfs_quota_us`) and a cap.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

MAX_WORKERS = 8
"""The event loop fetches, hands out bodies and reads back fingerprints for about 2.5 ms of CPU a
feed, against some 30 ms a worker spends on a feed of 50 stories: past about a dozen workers the
loop is the bottleneck, and each worker holds 40-50 MB. Eight leaves the loop headroom."""

CGROUP_ROOT = Path("/sys/fs/cgroup")
PROC_CGROUP = Path("/proc/self/cgroup")


def usable_cpus(cgroup_root: Path = CGROUP_ROOT, proc_cgroup: Path = PROC_CGROUP) -> int:
    """The CPUs this process may run on: the affinity mask, lowered to a cgroup quota if any."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        cpus = os.cpu_count() or 1
    quota = cgroup_quota(cgroup_root, proc_cgroup)
    if quota is not None:
        cpus = min(cpus, quota)
    return max(1, cpus)


def cgroup_quota(cgroup_root: Path, proc_cgroup: Path) -> int | None:
    """Whole CPUs the tightest cgroup quota allows (1.5 CPUs -> 2), or None when none is set."""
    quotas = [_whole_cpus(*fields) for path in _v2_limits(cgroup_root, proc_cgroup)
              if len(fields := _read(path).split()) == 2]
    quotas.append(_whole_cpus(_read(cgroup_root / "cpu" / "cpu.cfs_quota_us"),
                              _read(cgroup_root / "cpu" / "cpu.cfs_period_us")))
    found = [quota for quota in quotas if quota is not None]
    return min(found) if found else None


def parse_workers(allowed: int, feeds: int) -> int:
    """Worker processes for a poll of `feeds` feeds given `allowed` CPUs: at most MAX_WORKERS,
    and never more than there are feeds to parse."""
    return max(1, min(allowed, MAX_WORKERS, feeds))


def _v2_limits(cgroup_root: Path, proc_cgroup: Path) -> list[Path]:
    """`cpu.max` of this process's cgroup v2 (named in /proc/self/cgroup) and of each parent up
    to the root: a limit anywhere above binds too. In a container with its own cgroup
    namespace the root is the container's cgroup."""
    relative = ""
    for line in _read(proc_cgroup).splitlines():
        if line.startswith("0::"):
            relative = line[3:].strip().strip("/")
    parts = relative.split("/") if relative else []
    if ".." in parts:  # a cgroup outside this namespace's view: only the root is ours to read
        parts = []
    return [cgroup_root.joinpath(*parts[:depth], "cpu.max") for depth in range(len(parts), -1, -1)]


def _whole_cpus(quota: str, period: str) -> int | None:
    try:
        quota_us, period_us = int(quota), int(period)
    except ValueError:  # "max", an empty or missing file
        return None
    if quota_us <= 0 or period_us <= 0:  # v1 says -1 for no quota
        return None
    return max(1, math.ceil(quota_us / period_us))


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        return ""
