"""The benchmarks' stall probe (bench/harness/probe.py) in a real process: a callback that keeps the
event loop busy is reported as a busy stall with its own stack, and a stall in which the loop used
little CPU is not blamed on the code it happened to be in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bench.harness.measure import stall_cpu, stall_stacks

ROOT = Path(__file__).resolve().parents[2]

# Busy for 0.3 s of this thread's CPU time (not wall time: the stall must be the code's on a loaded
# machine too), then waiting 0.3 s of wall time off the CPU inside another function.
SCRIPT = """
import asyncio, os, time
from pathlib import Path
from bench.harness import probe

def hog_the_loop():
    start = time.thread_time()
    while time.thread_time() - start < 0.3:
        pass

def sleep_off_the_cpu():
    time.sleep(0.3)

async def main():
    await probe.timed_update(lambda: asyncio.sleep(0.05))
    await asyncio.sleep(0.2)
    hog_the_loop()
    await asyncio.sleep(0.2)
    sleep_off_the_cpu()
    await asyncio.sleep(0.2)
    probe.dump(Path(os.environ["PROBE_FILE"]))

probe.install_dump_on_sigusr1()
asyncio.run(main())
"""


def test_a_busy_callback_is_reported_with_its_stack_and_a_sleep_is_not(tmp_path: Path) -> None:
    probe_file = tmp_path / "probe.json"
    env = {**os.environ, "PROBE_FILE": str(probe_file), "PROBE_STALL_STACKS": "1", "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-c", SCRIPT], env=env, cwd=ROOT, check=True, timeout=60)
    dumps = [json.loads(probe_file.read_text())]

    figures = stall_cpu(dumps)
    assert figures["stalls"] >= 2  # the hog and the sleep both held the loop up
    assert figures["busy_stalls"] == 1  # only the hog used the CPU while it did
    assert figures["busy_longest_cpu_s"] >= 0.25

    stacks = stall_stacks(dumps)
    assert stacks, "no stack was kept for the busy stall"
    assert all("hog_the_loop" in frames.split(" <- ")[0] for frames, _ in stacks)
    assert not any("sleep_off_the_cpu" in frames for frames, _ in stacks)
