"""Many environments of one scenario stepped in one call: :func:`vector_env`.

One engine process (or ``workers`` of them, in parallel) holds the
``num_envs`` environments and steps them in a single request each, so a
call costs one round trip however many environments it steps. Arrays in,
arrays out:

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

from ._engine import RESET, STEP, Batch, Engine, reset_request
from .parallel import ENV_VERSION


class VecsceneVectorEnv(VectorEnv):
    """``num_envs`` environments of a scenario (see :func:`vector_env`)."""

    metadata = {
        "name": f"vecscene_vector_v{ENV_VERSION}",
        "autoreset_mode": AutoresetMode.SAME_STEP,
        "render_modes": [],
    }

    def __init__(self, scenario, num_envs, seed=None, *, infeasible="raise", workers=1, spin_us=1000.0):
        E = int(num_envs)
        if E < 1:
            raise ValueError(f"num_envs must be at least 1, got {num_envs!r}")
        workers = int(workers)
        if not 1 <= workers <= E:
            raise ValueError(f"workers must be in [1, num_envs = {E}], got {workers!r}")
        # Worker w holds environments [start_w, start_w + size_w) of the vector.
        sizes = [E // workers + (w < E % workers) for w in range(workers)]
        starts = np.cumsum([0] + sizes[:-1]).tolist()
        self._engines = [Engine(spin_us) for _ in range(workers)]
        self._ranges = [(a, a + n) for a, n in zip(starts, sizes)]
        self._infeasible = infeasible
        try:
            specs = [
                eng.open(scenario, seed=seed, envs=n, offset=a, stride=E, autoreset=True,
                         infeasible=infeasible)
                for eng, (a, n) in zip(self._engines, zip(starts, sizes))
            ]
        except BaseException:
            self.close_extras()
            raise
        spec = dict(specs[0], envs=E, offset=0, stride=E, workers=workers)
        self.spec = spec
        self.num_envs = E
        self.num_workers = workers
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
        """The (first) Deno engine process's id."""
        return self._engines[0].pid

    @property
    def engine_pids(self) -> list[int]:
        """Every engine process's id (one per worker)."""
        return [e.pid for e in self._engines]

    def _all(self, tag, bodies):
        """Sends each engine its request, then gathers the replies (the engines work in parallel)."""
        for eng, body in zip(self._engines, bodies):
            eng.send(tag, body)
        return Batch.merge([eng.batch() for eng in self._engines])

    def reset(self, *, seed=None, options=None):
        """Starts an episode in every environment (``options={"episode": k}``: env e plays k + e)."""
        body = reset_request(seed, (options or {}).get("episode"))
        self._batch = b = self._all(RESET, [body] * len(self._engines))
        return self._obs(b), self._info(b)

    def step(self, actions):
        a = np.ascontiguousarray(actions, dtype="<i4")
        if a.shape != (self.num_envs, self.num_agents):
            raise ValueError(
                f"step() takes actions of shape ({self.num_envs}, {self.num_agents}) "
                f"= (num_envs, agents): got {a.shape}, {a.size} entries for "
                f"{self.num_envs * self.num_agents}"
            )
        if len(self._engines) > 1 and self._infeasible == "raise":
            self._check(a)
        self._batch = b = self._all(STEP, [a[lo:hi].data for lo, hi in self._ranges])
        info = self._info(b)
        if b.final_obs is not None:
            info["final_obs"] = {"observation": b.final_obs, "state": b.final_obs.reshape(self.num_envs, -1)}
        truncated = np.full(self.num_envs, b.truncated)
        return self._obs(b), b.reward, self._terminated.copy(), truncated, info

    def _check(self, a):
        """Refuses an infeasible action before any engine steps (each checks only its own)."""
        mask = self._batch.mask
        n = mask.shape[-1]
        inside = (a >= 0) & (a < n)
        ok = inside & (np.take_along_axis(mask, np.where(inside, a, 0)[..., None], 2)[..., 0] == 1)
        if ok.all():
            return
        e = int(np.argwhere(~ok)[0][0])
        w = next(k for k, (lo, hi) in enumerate(self._ranges) if lo <= e < hi)
        lo, hi = self._ranges[w]
        self._engines[w].send(STEP, a[lo:hi].data)
        self._engines[w].receive()  # the engine refuses it and names it; nothing was stepped
        raise AssertionError("an engine took an action its mask refuses")

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
        for eng in self._engines:
            eng.close()


def vector_env(scenario, num_envs, seed=None, **options) -> VecsceneVectorEnv:
    """``num_envs`` environments of the scenario file ``scenario``, stepped in one call.

    ``workers`` engine processes (default 1) share them and step in parallel; the results
    do not depend on how many. More than one pays where the machine has idle cores (see
    docs/RESULTS.md: on a 2-vCPU machine whose two processes run only 1.15x as fast as one,
    two workers were slower). ``spin_us`` as for :func:`parallel_env`.
    """
    return VecsceneVectorEnv(scenario, num_envs, seed, **options)
