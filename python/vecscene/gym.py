"""Gymnasium registration in the tuple-space form EPyMARL's ``gymma`` loads.

``gymnasium.make("vecscene/Highway-v0")``, ``"vecscene/NewYork-v0"``, or
``"vecscene/Scenario-v0"`` with ``scenario="path.yaml"``: the observation
space is a ``Tuple`` of one ``Box`` (the local state (54)) per client
vehicle, the action space a ``Tuple`` of ``Discrete(n)``; ``step`` takes one
action per agent and returns the team reward (58) as one float (EPyMARL's
``common_reward``). The action mask and the joint state (55) are in
``info`` (``info["action_mask"]``, ``info["state"]``).

EPyMARL offers every action (its ``gymma`` wrapper has no masks), so these
environments default to ``infeasible="remap"``: an action past the CV's own
partitions is cut to L + 1 and an out-of-range node becomes the RSU, and
``info["remapped"]`` counts them. Pass ``infeasible="raise"`` to refuse.

The ids carry the behaviour's version (``-v0``): a change of what an
environment returns for the same actions gets a new version.
"""

from __future__ import annotations

import numpy as np
import gymnasium
from gymnasium import spaces

from ._engine import Engine, home
from .parallel import ENV_VERSION


class TupleEnv(gymnasium.Env):
    """A scenario as a Gymnasium env with one Tuple entry per client vehicle."""

    metadata = {"render_modes": []}

    def __init__(self, scenario, seed=None, infeasible="remap", render_mode=None, spin_us=1000.0):
        self._engine = Engine(spin_us)
        spec = self._engine.open(scenario, seed=seed, envs=1, infeasible=infeasible)
        self.spec_ = spec
        self.n_agents = I = spec["agents"]
        self.observation_space = spaces.Tuple(
            [spaces.Box(-np.inf, np.inf, (spec["stateDim"],), np.float32) for _ in range(I)]
        )
        self.action_space = spaces.Tuple([spaces.Discrete(spec["actions"]) for _ in range(I)])
        self._actions = np.zeros((1, I), np.int32)
        self._seed = seed
        self._batch = None

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        b = self._batch = self._engine.reset(seed=seed, episode=(options or {}).get("episode"))
        return tuple(b.obs[0]), self._info(b)

    def step(self, actions):
        self._actions[0, :] = [int(a) for a in actions]
        b = self._batch = self._engine.step(self._actions)
        return tuple(b.obs[0]), float(b.reward[0]), False, b.truncated, self._info(b)

    def _info(self, b):
        return {
            "action_mask": b.mask[0],
            "state": b.obs[0].reshape(-1),
            "objective": float(b.objective[0]),
            "delay_s": b.delay[0],
            "remapped": int(b.remapped[0]),
        }

    def get_avail_actions(self):
        """The action masks, one list per agent (the SMAC-style accessor)."""
        return [m.tolist() for m in self._batch.mask[0]]

    def close(self):
        self._engine.close()


#: The scenarios registered by name: env id -> scenario file of the repository.
SCENARIOS = {"Highway": "scenarios/highway.yaml", "NewYork": "scenarios/nyc.yaml"}


def register() -> None:
    """Registers ``vecscene/<Name>-v0`` for the shipped scenarios and ``vecscene/Scenario-v0``."""
    registry = gymnasium.envs.registration.registry
    for name, path in SCENARIOS.items():
        env_id = f"vecscene/{name}-v{ENV_VERSION}"
        if env_id not in registry:
            gymnasium.register(
                id=env_id,
                entry_point="vecscene.gym:TupleEnv",
                kwargs={"scenario": str(_shipped(path))},
                disable_env_checker=True,
            )
    env_id = f"vecscene/Scenario-v{ENV_VERSION}"
    if env_id not in registry:
        gymnasium.register(id=env_id, entry_point="vecscene.gym:TupleEnv", disable_env_checker=True)


def _shipped(path: str):
    try:
        return home() / path
    except Exception:
        return path  # resolved when the env is made (an error then names what is missing)
