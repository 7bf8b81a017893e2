"""CPU time used by processes, read from /proc (Linux): what a piece of work cost the machine,
whatever else was competing for the cores meanwhile."""

import os
from collections.abc import Iterable

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def process_cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of one process so far, None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime (fields 14 and 15 of stat)


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (e.g. gunicorn and its workers, Celery and its pool)."""
    tree, pending = [], [pid]
    while pending:
        current = pending.pop()
        tree.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    pending += [int(child) for child in children.read().split()]
        except OSError:
            continue
    return tree


def cpu_snapshot(pids: Iterable[int]) -> dict[int, float]:
    return {pid: cpu for pid in pids if (cpu := process_cpu_s(pid)) is not None}


def cpu_used_s(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds used between two snapshots; a process that appeared in between counts from
    its start, one that vanished counts up to the first snapshot."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())
