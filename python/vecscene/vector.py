"""Many environments of one scenario stepped in one call: :func:`vector_env`.

One engine process holds all ``num_envs`` environments and steps them in a
single request, so a call costs one round trip however many environments
it steps. Arrays in, arrays out:

- ``obs["observation"]``: float32 ``[num_envs, agents, 2J + 1]``, the local
  states (54); ``obs["state"]``: float32 ``[num_envs, agents * (2J + 1)]``,
  the joint state (55) (the same numbers); ``obs["action_mask"]``: int8
  ``[num_envs, agents, n]``.
- ``step(actions)`` takes int ``[num_envs, agents]`` (A10 actions) and
  returns ``reward[num_envs]`` (58), ``terminated`` (always False) and
  ``truncated`` (True after slot T), and ``info`` with ``objective``,
  ``delay_s`` ``[num_envs, agents]``, ``episode``, ``slot``, ``dnn`` and
  ``remapped``.

Episodes reset automatically in the same step (Gymnasium's ``SAME_STEP``
mode): the step that ends them returns the next episode's first
observation, and ``info["final_obs"]`` holds the last one. Environment e
plays episodes ``e + 1, e + 1 + num_envs, ...`` of the seed, so the
batch is exactly ``num_envs`` single environments playing those episodes.
"""

from __future__ import annotations

import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv

from ._engine import Batch, Engine
from .parallel import ENV_VERSION


class VecsceneVectorEnv(VectorEnv):
    """``num_envs`` environments of a scenario (see :func:`vector_env`)."""

    metadata = {
        "name": f"vecscene_vector_v{ENV_VERSION}",
        "autoreset_mode": AutoresetMode.SAME_STEP,
        "render_modes": [],
    }

    def __init__(self, scenario, num_envs, seed=None, *, infeasible="raise"):
        self._engine = Engine()
        spec = self._engine.open(
            scenario, seed=seed, envs=int(num_envs), autoreset=True, infeasible=infeasible
        )
        self.spec = spec
        self.num_envs = E = spec["envs"]
        I, D, n = spec["agents"], spec["stateDim"], spec["actions"]
        self.num_agents = I
        self.single_observation_space = spaces.Dict(
            {
                "observation": spaces.Box(-np.inf, np.inf, (I, D), np.float32),
                "action_mask": spaces.MultiBinary((I, n)),
                "state": spaces.Box(-np.inf, np.inf, (I * D,), np.float32),
            }
        )
        self.single_action_space = spaces.MultiDiscrete(np.full(I, n))
        self.observation_space = spaces.Dict(
            {
                "observation": spaces.Box(-np.inf, np.inf, (E, I, D), np.float32),
                "action_mask": spaces.MultiBinary((E, I, n)),
                "state": spaces.Box(-np.inf, np.inf, (E, I * D), np.float32),
            }
        )
        self.action_space = spaces.MultiDiscrete(np.full((E, I), n))
        self._terminated = np.zeros(E, bool)
        self._batch: Batch | None = None

    @property
    def engine_pid(self) -> int:
        """The Deno engine process's id."""
        return self._engine.pid

    def reset(self, *, seed=None, options=None):
        """Starts an episode in every environment (``options={"episode": k}``: env e plays k + e)."""
        self._batch = b = self._engine.reset(seed=seed, episode=(options or {}).get("episode"))
        return self._obs(b), self._info(b)

    def step(self, actions):
        self._batch = b = self._engine.step(actions)
        info = self._info(b)
        if b.final_obs is not None:
            info["final_obs"] = {"observation": b.final_obs, "state": b.final_obs.reshape(self.num_envs, -1)}
        truncated = np.full(self.num_envs, b.truncated)
        return self._obs(b), b.reward, self._terminated.copy(), truncated, info

    def _obs(self, b: Batch):
        return {"observation": b.obs, "action_mask": b.mask, "state": b.obs.reshape(self.num_envs, -1)}

    @staticmethod
    def _info(b: Batch):
        return {
            "objective": b.objective,
            "delay_s": b.delay,
            "episode": b.episode,
            "slot": b.slot,
            "dnn": b.dnn,
            "remapped": b.remapped,
        }

    @property
    def batch(self) -> Batch | None:
        """The engine's last reply (queues included), for analysis."""
        return self._batch

    def close_extras(self, **kwargs):
        self._engine.close()


def vector_env(scenario, num_envs, seed=None, **options) -> VecsceneVectorEnv:
    """``num_envs`` environments of the scenario file ``scenario``, stepped in one call."""
    return VecsceneVectorEnv(scenario, num_envs, seed, **options)
