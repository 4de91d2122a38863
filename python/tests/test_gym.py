"""The Gymnasium registration: the tuple-space form EPyMARL's gymma wrapper loads."""

from __future__ import annotations

import gymnasium
import numpy as np
import pytest
from gymnasium.spaces import Discrete, Tuple
from gymnasium.wrappers import TimeLimit

import vecscene
from conftest import HIGHWAY


def test_ids_are_registered_and_versioned():
    for env_id in ("vecscene/Highway-v0", "vecscene/NewYork-v0", "vecscene/Scenario-v0"):
        assert env_id in gymnasium.envs.registration.registry


def test_the_gymma_flow():
    # What EPyMARL's GymmaWrapper does: make with a time limit, read n_agents and the
    # longest spaces, reset with a seed, step lists of ints, aggregate a common reward.
    env = gymnasium.make("vecscene/Highway-v0", max_episode_steps=30)
    env = TimeLimit(env, max_episode_steps=30)
    n_agents = env.unwrapped.n_agents
    assert n_agents == 7
    assert isinstance(env.observation_space, Tuple) and isinstance(env.action_space, Tuple)
    longest = max(env.action_space, key=lambda x: x.n)
    assert isinstance(longest, Discrete) and longest.n == 132
    obs, info = env.reset(seed=1)
    assert len(obs) == 7 and obs[0].shape == (13,) and obs[0].dtype == np.float32
    rng = np.random.default_rng(0)
    steps, remapped = 0, 0
    while True:
        actions = [int(a) for a in rng.integers(0, 132, 7)]  # no masks, as gymma offers
        obs, reward, done, truncated, info = env.step(actions)
        assert isinstance(reward, float) and reward == -info["objective"]
        assert done is False
        remapped += info["remapped"]
        steps += 1
        if truncated:
            break
    assert steps == 30 and remapped > 0
    env.close()


def test_a_scenario_by_path_and_the_raise_option():
    env = gymnasium.make("vecscene/Scenario-v0", scenario=HIGHWAY, infeasible="raise")
    obs, info = env.reset(seed=2)
    with pytest.raises(vecscene.InvalidActionError):
        env.step([131] * 7)
    feasible = [int(np.flatnonzero(m)[0]) for m in info["action_mask"]]
    obs, reward, _, _, info = env.step(feasible)
    assert info["remapped"] == 0
    env.close()


def test_new_york_opens_from_its_shipped_trace():
    env = gymnasium.make("vecscene/NewYork-v0")
    obs, info = env.reset(seed=1)
    assert len(obs) == env.unwrapped.n_agents == 7
    feasible = [int(np.flatnonzero(m)[0]) for m in info["action_mask"]]
    _, reward, _, truncated, _ = env.step(feasible)
    assert np.isfinite(reward) and truncated is False
    env.close()
