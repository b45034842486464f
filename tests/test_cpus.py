"""How many workers a poll starts: the CPUs this process may use, read from real files laid out
as cgroup v1 and v2 hierarchies are."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from minewatch.cpus import MAX_WORKERS, cgroup_quota, parse_workers, usable_cpus


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "cgroup"


@pytest.fixture
def proc(tmp_path: Path) -> Path:
    path = tmp_path / "proc-self-cgroup"
    write(path, "0::/system.slice/cron.service")
    return path


def test_no_quota_anywhere_is_none(root: Path, proc: Path) -> None:
    assert cgroup_quota(root, proc) is None
    write(root / "cpu.max", "max 100000")
    write(root / "cpu" / "cpu.cfs_quota_us", "-1")
    write(root / "cpu" / "cpu.cfs_period_us", "100000")
    assert cgroup_quota(root, proc) is None


def test_v2_quota_of_the_own_cgroup_rounds_up_to_whole_cpus(root: Path, proc: Path) -> None:
    write(root / "system.slice" / "cron.service" / "cpu.max", "150000 100000")
    assert cgroup_quota(root, proc) == 2


def test_v2_the_tightest_limit_on_the_way_to_the_root_binds(root: Path, proc: Path) -> None:
    write(root / "system.slice" / "cron.service" / "cpu.max", "max 100000")
    write(root / "system.slice" / "cpu.max", "300000 100000")
    write(root / "cpu.max", "800000 100000")
    assert cgroup_quota(root, proc) == 3


def test_v2_root_of_a_container_namespace(root: Path, tmp_path: Path) -> None:
    proc = tmp_path / "cgroup-in-container"
    write(proc, "0::/")
    write(root / "cpu.max", "200000 100000")
    assert cgroup_quota(root, proc) == 2


def test_a_cgroup_outside_the_namespace_reads_only_the_root(root: Path, tmp_path: Path) -> None:
    proc = tmp_path / "cgroup-outside"
    write(proc, "0::/../../elsewhere")
    write(tmp_path / "elsewhere" / "cpu.max", "100000 100000")  # must not be read
    assert cgroup_quota(root, proc) is None
    write(root / "cpu.max", "400000 100000")
    assert cgroup_quota(root, proc) == 4


def test_v1_quota(root: Path, proc: Path) -> None:
    write(root / "cpu" / "cpu.cfs_quota_us", "50000")
    write(root / "cpu" / "cpu.cfs_period_us", "100000")
    assert cgroup_quota(root, proc) == 1  # half a CPU is still one worker


def test_garbage_in_the_files_means_no_quota(root: Path, proc: Path) -> None:
    write(root / "cpu.max", "lots 0")
    write(root / "cpu" / "cpu.cfs_quota_us", "")
    assert cgroup_quota(root, proc) is None


def test_usable_cpus_is_at_most_the_affinity_mask_and_the_quota(root: Path, proc: Path) -> None:
    mask = len(os.sched_getaffinity(0))
    assert usable_cpus(root, proc) == mask
    write(root / "cpu.max", "100000 100000")
    assert usable_cpus(root, proc) == 1


def test_parse_workers_caps_by_cpus_feeds_and_the_ceiling() -> None:
    assert parse_workers(64, 21) == MAX_WORKERS
    assert parse_workers(2, 500) == 2
    assert parse_workers(4, 1) == 1
    assert parse_workers(4, 0) == 1
    assert parse_workers(0, 10) == 1
