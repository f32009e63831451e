"""Time and memory grow linearly with the project: ``infrac check`` of a generated 2 MB
project costs at most twice as much per byte as a 0.5 MB one (CPU time and the memory
above an almost empty project's, each measured in its own process). Checking used to grow
as n^1.4 (stacks looked up by a scan, every rule scanning every stack, deploy waves
recomputing sets); quadratic growth would make the ratio 16, not 4. A benchmark, not this
test, says how fast it is.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from scale_project import project, write

# Peak memory is the process's own high-water mark (VmHWM), not getrusage's ru_maxrss,
# which on Linux carries the parent's peak across fork and exec (the test runner's).
MEASURE = """
import json, resource, sys
from infrac.cli import main
code = main(["check", sys.argv[1]])
usage = resource.getrusage(resource.RUSAGE_SELF)
with open("/proc/self/status") as status:
    peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(json.dumps({"code": code, "cpu": usage.ru_utime + usage.ru_stime, "rss_kb": peak}), file=sys.stderr)
"""


def measure(folder) -> dict:
    process = subprocess.run(
        [sys.executable, "-c", MEASURE, str(folder)], capture_output=True, text=True, cwd=ROOT, timeout=600
    )
    result = json.loads(process.stderr.strip().splitlines()[-1])
    assert result["code"] == 0, process.stderr[-2000:]
    return result


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the peak memory from /proc")
def test_check_is_linear_in_time_and_memory(tmp_path):
    sizes = {"tiny": 0.005, "small": 0.5, "large": 2.0}
    measured = {}
    for name, megabytes in sizes.items():
        files = project(megabytes)
        write(tmp_path / name, files)
        measured[name] = {**measure(tmp_path / name), "bytes": sum(len(t) for t in files.values())}
    size_ratio = measured["large"]["bytes"] / measured["small"]["bytes"]
    time_ratio = measured["large"]["cpu"] / measured["small"]["cpu"]
    tiny = measured["tiny"]["rss_kb"]
    memory_ratio = (measured["large"]["rss_kb"] - tiny) / max(measured["small"]["rss_kb"] - tiny, 1)
    print(f"\nsize x{size_ratio:.2f}: time x{time_ratio:.2f}, memory above baseline x{memory_ratio:.2f}", file=sys.stderr)
    assert 3.5 < size_ratio < 4.5
    assert time_ratio < 2 * size_ratio, measured
    assert memory_ratio < 2 * size_ratio, measured
