"""The Python side of `deno task bench --only python.` (bench/python.ts runs it).

Prints one JSON object of figures:
- steps_per_s: one PettingZoo parallel env of the highway scenario (7 CVs),
  random masked actions chosen in Python, whole episodes with resets.
- vector64_slots_per_s: 64 environments per call of the vector env, random
  masked actions; env-slots per second.
- per call of the vector env, in microseconds: the whole call, the request's
  write, the wait for the reply (the engine's work, the reply's write and
  the pipe), and turning the reply into numpy views; and the reply's bytes.
- roundtrip_us: a one-environment step with no Python work around it.
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np

import vecscene
from vecscene._engine import STEP, Batch
from vecscene._frames import read_frame, write_frame


def random_masked(rng, mask, layers_of, nodes):
    """A uniform feasible action per agent.

    The feasible set is the product of the CV's partitions and its feasible
    nodes (A10), so a uniform partition and, among the feasible nodes, the one
    with the largest of independent uniform draws make a uniform action.
    """
    u = rng.random(mask.shape[:-1] + (nodes + 1,))
    node = (u[..., :nodes] * mask[..., :nodes]).argmax(-1)
    phi = (u[..., nodes] * (layers_of + 1)).astype(np.int64)
    return phi * nodes + node


def bench_single(scenario, seconds, spin_us):
    env = vecscene.parallel_env(scenario, seed=1, spin_us=spin_us)
    spec = env.spec
    layers = np.array(spec["layers"])
    rng = np.random.default_rng(0)
    agents = env.possible_agents
    steps = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        obs, infos = env.reset()
        while env.agents:
            mask = np.stack([obs[a]["action_mask"] for a in agents])
            layers_of = layers[env.batch.dnn[0]]
            a = random_masked(rng, mask, layers_of, spec["nodes"])
            obs, *_ = env.step(dict(zip(agents, a)))
            steps += 1
    rate = steps / (time.perf_counter() - t0)
    env.close()
    return rate


def bench_vector(scenario, E, seconds, spin_us, workers=1):
    v = vecscene.vector_env(scenario, E, seed=1, workers=workers, spin_us=spin_us)
    spec = v.spec
    layers = np.array(spec["layers"])
    rng = np.random.default_rng(0)
    obs, info = v.reset()
    calls = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        a = random_masked(rng, obs["action_mask"], layers[v.batch.dnn], spec["nodes"])
        obs, reward, term, trunc, info = v.step(a)
        calls += 1
    elapsed = time.perf_counter() - t0
    # The parts of one call, with fixed feasible actions (partition 1 at the RSU).
    if workers > 1:  # the parts of a call are one engine's
        v.close()
        return {f"vector{E}_slots_per_s": E * calls / elapsed, f"vector{E}_call_us": elapsed / calls * 1e6}
    eng = v._engines[0]
    a = np.zeros((E, spec["agents"]), np.int32)
    parts = np.zeros(3)
    n = 0
    size = 0
    t1 = time.perf_counter()
    while time.perf_counter() - t1 < seconds / 2:
        ta = time.perf_counter()
        write_frame(eng._in, STEP, a.data)
        tb = time.perf_counter()
        _, body = read_frame(eng._out, eng._spin_s)
        tc = time.perf_counter()
        eng._mask = Batch(body, eng._mask).mask
        td = time.perf_counter()
        parts += (tb - ta, tc - tb, td - tc)
        size += len(body) + 8
        n += 1
    v.close()
    per = parts / n * 1e6
    return {
        f"vector{E}_slots_per_s": E * calls / elapsed,
        f"vector{E}_call_us": elapsed / calls * 1e6,
        f"vector{E}_write_us": per[0],
        f"vector{E}_wait_us": per[1],
        f"vector{E}_parse_us": per[2],
        f"vector{E}_reply_bytes": size / n,
    }


def bench_roundtrip(scenario, seconds, spin_us):
    v = vecscene.vector_env(scenario, 1, seed=1, spin_us=spin_us)
    v.reset()
    eng = v._engines[0]
    a = np.zeros((1, v.spec["agents"]), np.int32)
    n = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        eng.step(a)
        n += 1
    us = (time.perf_counter() - t0) / n * 1e6
    v.close()
    return us


def main():
    """``python_side.py SCENARIO [SECONDS] [SPIN_US] [WORKERS]`` (defaults 3, 1000, 1)."""
    scenario = sys.argv[1]
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 3.0
    spin_us = float(sys.argv[3]) if len(sys.argv) > 3 else 1000.0
    workers = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    out = {"steps_per_s": bench_single(scenario, seconds, spin_us)}
    out.update(bench_vector(scenario, 64, seconds, spin_us, workers))
    out["roundtrip_us"] = bench_roundtrip(scenario, seconds / 2, spin_us)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
