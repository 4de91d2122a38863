"""The vector environment: shapes, auto-reset, determinism, and equality with single envs."""

from __future__ import annotations

import numpy as np
import pytest

import vecscene
from conftest import HIGHWAY, masked_actions


def play_vector(seed, E, steps, rng_seed=0):
    v = vecscene.vector_env(HIGHWAY, E, seed=seed)
    rng = np.random.default_rng(rng_seed)
    obs, info = v.reset()
    log = {"obs": [obs["observation"].copy()], "mask": [obs["action_mask"]], "reward": [], "final": [], "actions": []}
    for _ in range(steps):
        a = masked_actions(rng, obs["action_mask"])
        log["actions"].append(a)
        obs, reward, term, trunc, info = v.step(a)
        log["obs"].append(obs["observation"].copy())
        log["mask"].append(obs["action_mask"])  # a fresh array each step: kept as it is
        log["reward"].append(reward.copy())
        if "final_obs" in info:
            log["final"].append(info["final_obs"]["observation"].copy())
    v.close()
    return log


def test_shapes_dtypes_and_spaces():
    v = vecscene.vector_env(HIGHWAY, 5, seed=1)
    obs, info = v.reset()
    assert obs["observation"].shape == (5, 7, 13) and obs["observation"].dtype == np.float32
    assert obs["action_mask"].shape == (5, 7, 132) and obs["action_mask"].dtype == np.int8
    assert obs["state"].shape == (5, 91)
    assert np.array_equal(obs["state"].reshape(5, 7, 13), obs["observation"])
    assert v.observation_space.contains(obs)
    assert v.single_action_space.shape == (7,)
    obs, reward, term, trunc, info = v.step(np.zeros((5, 7), int))
    assert reward.shape == (5,) and reward.dtype == np.float64
    assert info["delay_s"].shape == (5, 7) and list(info["episode"]) == [1, 2, 3, 4, 5]
    assert not term.any() and not trunc.any()
    with pytest.raises(ValueError, match="35"):
        v.step(np.zeros((5, 6), int))
    v.close()


def test_same_seed_same_trajectories():
    a = play_vector(3, 4, 70)
    b = play_vector(3, 4, 70)
    for k in ("obs", "reward", "final"):
        assert all(np.array_equal(x, y) for x, y in zip(a[k], b[k]))
    c = play_vector(4, 4, 10)
    assert not np.array_equal(a["reward"][5], c["reward"][5])


def test_vector_equals_n_single_envs_with_auto_reset():
    E, T = 3, 30
    log = play_vector(8, E, 2 * T)  # two episodes each: env e plays e + 1, then e + 1 + E
    assert len(log["final"]) == 2
    for e in range(E):
        single = vecscene.parallel_env(HIGHWAY, seed=8)
        for k, episode in enumerate((e + 1, e + 1 + E)):
            obs, _ = single.reset(options={"episode": episode})
            assert np.array_equal(
                np.stack([obs[a]["observation"] for a in single.possible_agents]), log["obs"][k * T][e]
            )
            for t in range(T):
                mask = np.stack([obs[a]["action_mask"] for a in single.possible_agents])
                assert np.array_equal(mask, log["mask"][k * T + t][e])
                acts = {f"cv_{i}": log["actions"][k * T + t][e, i] for i in range(7)}
                obs, rewards, *_ = single.step(acts)
                assert rewards["cv_0"] == log["reward"][k * T + t][e]
            last = np.stack([obs[a]["observation"] for a in single.possible_agents])
            assert np.array_equal(last, log["final"][k][e])
        single.close()


def test_an_infeasible_action_steps_no_environment():
    v = vecscene.vector_env(HIGHWAY, 3, seed=2)
    obs, _ = v.reset()
    a = masked_actions(np.random.default_rng(0), obs["action_mask"])
    bad = a.copy()
    bad[2, 1] = 10_000
    with pytest.raises(vecscene.InvalidActionError, match="environment 2, cv_1"):
        v.step(bad)
    _, _, _, _, info = v.step(a)
    assert list(info["slot"]) == [2, 2, 2]
    v.close()


def test_remap_counts_what_it_changed():
    v = vecscene.vector_env(HIGHWAY, 2, seed=2, infeasible="remap")
    obs, _ = v.reset()
    a = np.full((2, 7), 131)  # the last action: beyond AlexNet's and ResNet18's partitions
    _, _, _, _, info = v.step(a)
    dnn = info["dnn"]
    assert (info["remapped"] >= (dnn != 2).sum(1)).all() and info["remapped"].sum() > 0
    v.close()


def test_workers_change_nothing_but_who_steps():
    one = play_vector_workers(1)
    two = play_vector_workers(2)
    for k in ("obs", "mask", "reward", "final"):
        assert all(np.array_equal(x, y) for x, y in zip(one[k], two[k])), k


def play_vector_workers(workers):
    v = vecscene.vector_env(HIGHWAY, 5, seed=6, workers=workers)
    assert v.num_workers == workers and len(set(v.engine_pids)) == workers
    rng = np.random.default_rng(2)
    obs, _ = v.reset()
    log = {"obs": [obs["observation"]], "mask": [obs["action_mask"]], "reward": [], "final": []}
    for _ in range(35):
        obs, reward, _, _, info = v.step(masked_actions(rng, obs["action_mask"]))
        log["obs"].append(obs["observation"])
        log["mask"].append(obs["action_mask"])
        log["reward"].append(reward)
        if "final_obs" in info:
            log["final"].append(info["final_obs"]["observation"])
    if workers > 1:  # a refused action in the second engine's share steps no engine
        bad = masked_actions(rng, obs["action_mask"])
        bad[4, 0] = -1
        with pytest.raises(vecscene.InvalidActionError, match="environment 4, cv_0"):
            v.step(bad)
        _, _, _, _, info = v.step(masked_actions(rng, obs["action_mask"]))
        assert len(set(info["slot"].tolist())) == 1
    v.close()
    return log
