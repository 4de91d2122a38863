"""Shared fixtures: the repository, its highway scenario, and the engine command."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

import vecscene

HOME = vecscene.home()
HIGHWAY = str(HOME / "scenarios" / "highway.yaml")
DENO_RUN = ["deno", "run", "--quiet", "--allow-all", f"--config={HOME / 'deno.json'}"]


@pytest.fixture
def highway() -> str:
    return HIGHWAY


def masked_actions(rng: np.random.Generator, mask: np.ndarray) -> np.ndarray:
    """A uniformly random feasible action per row of ``mask`` [..., n]."""
    scores = rng.random(mask.shape) * mask
    return scores.argmax(-1)


def deno(script: str, *args: str, cwd=HOME) -> str:
    """Runs a Deno script of the repository; returns its stdout."""
    out = subprocess.run([*DENO_RUN, script, *args], cwd=cwd, capture_output=True, text=True)
    if out.returncode != 0:
        raise AssertionError(f"{script} failed ({out.returncode}):\n{out.stderr}")
    return out.stdout


def alive(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def wait_gone(pid: int, seconds: float = 10.0) -> bool:
    import time

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if not alive(pid):
            return True
        time.sleep(0.05)
    return False


os.environ.setdefault("NO_COLOR", "1")
