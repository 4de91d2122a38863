"""The PettingZoo environment against PettingZoo's own conformance tests, and its contract."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from pettingzoo.test import parallel_api_test, parallel_seed_test
from pettingzoo.test.state_test import state_test

import vecscene
from conftest import HIGHWAY, masked_actions, wait_gone


def test_parallel_api_test_passes():
    env = vecscene.parallel_env(HIGHWAY, seed=3)
    parallel_api_test(env, num_cycles=70)
    env.close()


def test_state_test_passes():
    # PettingZoo's state test samples actions without masks: the AEC env remaps them.
    aec = vecscene.env(HIGHWAY, seed=3, infeasible="remap")
    par = vecscene.parallel_env(HIGHWAY, seed=3)
    state_test(aec, par, num_cycles=40)
    aec.close()
    par.close()


def test_parallel_seed_test_passes():
    parallel_seed_test(lambda: vecscene.parallel_env(HIGHWAY, seed=5, infeasible="remap"), num_cycles=40)


def test_spaces_are_the_same_objects_and_shapes_follow_the_encoding():
    env = vecscene.parallel_env(HIGHWAY)
    a = env.possible_agents[0]
    assert env.observation_space(a) is env.observation_space(a)
    assert env.observation_space(a) is env.observation_space(env.possible_agents[-1])
    assert env.action_space(a) is env.action_space(a)
    spec = env.spec
    J = spec["nodes"]
    assert env.possible_agents == [f"cv_{i}" for i in range(7)]
    assert env.observation_space(a)["observation"].shape == (2 * J + 1,)
    assert env.action_space(a).n == max((L + 1) * J for L in spec["layers"]) == 132
    assert env.state_space.shape == (7 * (2 * J + 1),)
    env.close()


def test_an_episode_is_float32_finite_masked_and_truncated_after_T():
    env = vecscene.parallel_env(HIGHWAY, seed=2)
    rng = np.random.default_rng(0)
    obs, infos = env.reset()
    J = env.spec["nodes"]
    steps = 0
    while env.agents:
        for agent in env.agents:
            o = obs[agent]
            assert o["observation"].dtype == np.float32 and np.isfinite(o["observation"]).all()
            assert env.observation_space(agent).contains(o)
            assert np.array_equal(infos[agent]["action_mask"], o["action_mask"])
            m = o["action_mask"]
            count = (env.spec["layers"][env.spec["dnns"].index(infos[agent]["dnn"])] + 1) * J
            assert m[:count].any() and not m[count:].any()
            assert np.array_equal(m[:count], np.tile(m[:J], count // J))  # A10: node a mod J
            assert m[0] == 1  # the RSU is always reachable
        state = env.state()
        assert state.dtype == np.float32 and state.shape == env.state_space.shape
        assert np.array_equal(state[:13], obs["cv_0"]["observation"])
        actions = {a: masked_actions(rng, obs[a]["action_mask"]) for a in env.agents}
        obs, rewards, terms, truncs, infos = env.step(actions)
        steps += 1
        assert len(set(rewards.values())) == 1  # the team reward (58)
        r = next(iter(rewards.values()))
        assert r == pytest.approx(-infos["cv_0"]["objective"], abs=0)
        assert not any(terms.values())
        assert all(t == (steps == 30) for t in truncs.values())
    assert steps == env.spec["slots"] == 30
    with pytest.raises(RuntimeError, match="reset"):
        env.step({a: 0 for a in env.possible_agents})
    env.close()


def test_reset_episode_and_seed_are_reproducible():
    env = vecscene.parallel_env(HIGHWAY)
    a, _ = env.reset(seed=4, options={"episode": 3})
    a = {k: v["observation"].copy() for k, v in a.items()}
    env.reset(seed=4, options={"episode": 4})
    b, _ = env.reset(seed=4, options={"episode": 3})
    assert all(np.array_equal(a[k], b[k]["observation"]) for k in a)
    c, infos = env.reset(seed=4)  # a seed counts episodes from 1 again
    assert infos["cv_0"]["episode"] == 1
    d, _ = env.reset()  # then the next one
    assert not all(np.array_equal(c[k]["observation"], d[k]["observation"]) for k in a)
    env.close()


def test_an_infeasible_action_is_refused_and_steps_nothing():
    env = vecscene.parallel_env(HIGHWAY, seed=2)
    ref = vecscene.parallel_env(HIGHWAY, seed=2)
    obs, _ = env.reset()
    ref.reset()
    actions = {a: int(np.flatnonzero(obs[a]["action_mask"])[0]) for a in env.agents}
    bad = dict(actions, cv_3=env.action_space("cv_3").n - 1 + 0)
    mask3 = obs["cv_3"]["action_mask"]
    if mask3[-1]:  # cv_3 runs the largest DNN with every node reachable: pick an out-of-range one
        bad["cv_3"] = env.action_space("cv_3").n
    with pytest.raises(vecscene.InvalidActionError, match="cv_3"):
        env.step(bad)
    o1, r1, *_ = env.step(actions)
    o2, r2, *_ = ref.step(actions)
    assert r1 == r2
    env.close()
    ref.close()


def test_a_bad_scenario_is_a_located_error(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nvehicles:\n  clients: { count: -3 }\n")
    with pytest.raises(vecscene.ScenarioError, match=r"bad\.yaml:3:\d+"):
        vecscene.parallel_env(str(bad))


def test_close_ends_the_engine():
    env = vecscene.parallel_env(HIGHWAY)
    pid = env.engine_pid
    env.reset()
    env.close()
    env.close()  # idempotent
    assert wait_gone(pid, 5)
    with pytest.raises(vecscene.VecsceneError, match="closed"):
        env.reset()


def test_killing_python_leaves_no_engine(tmp_path):
    script = textwrap.dedent(
        f"""
        import sys, time, vecscene
        env = vecscene.vector_env({HIGHWAY!r}, 4)
        env.reset()
        print(env.engine_pid, flush=True)
        time.sleep(60)
        """
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    pid = int(child.stdout.readline())
    assert wait_gone(pid, 0.5) is False  # the engine runs while Python does
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert wait_gone(pid, 10), f"engine {pid} outlived its Python process"
