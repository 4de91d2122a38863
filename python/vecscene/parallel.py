"""The PettingZoo environments: :func:`parallel_env` and its AEC form :func:`env`.

A slot is a simultaneous move of every client vehicle, so the parallel API
is the natural one. Agents are ``cv_0 .. cv_{I-1}``. Each observes
``{"observation": float32[2J + 1], "action_mask": int8[n]}``: its local state
(54) as ``engine/sim/encoding.ts`` writes it (raw: queues in GFLOP, road
coordinates in m) and the feasibility of its ``n = max_k (L_k + 1) J``
actions (A10: ``a = (phi - 1) J + node``; zero past its own DNN's count and
for nodes out of V2V range). Every agent gets the team reward (58), the
negative of the slot's objective (34). Episodes end by truncation after
slot T; ``terminations`` are always False (no state of the model is
absorbing).
"""

from __future__ import annotations

import numpy as np
from gymnasium import spaces
from pettingzoo import ParallelEnv
from pettingzoo.utils.conversions import parallel_to_aec

from ._engine import Batch, Engine

#: The version of the environments' behaviour: part of every env id and name.
ENV_VERSION = 0


def observation_space(spec: dict) -> spaces.Dict:
    """One agent's observation space for an engine's spec."""
    return spaces.Dict(
        {
            "observation": spaces.Box(-np.inf, np.inf, (spec["stateDim"],), np.float32),
            "action_mask": spaces.MultiBinary(spec["actions"]),
        }
    )


class VecsceneParallelEnv(ParallelEnv):
    """A vecscene scenario as a PettingZoo ``ParallelEnv`` (see :func:`parallel_env`)."""

    metadata = {"name": f"vecscene_v{ENV_VERSION}", "render_modes": [], "is_parallelizable": True}

    def __init__(self, scenario, seed=None, *, infeasible="raise", render_mode=None, spin_us=1000.0):
        if render_mode is not None:
            raise ValueError(f"vecscene renders nothing: render_mode must be None, got {render_mode!r}")
        self.render_mode = None
        self._engine = Engine(spin_us)
        spec = self._engine.open(scenario, seed=seed, envs=1, infeasible=infeasible)
        self.spec = spec
        self.possible_agents = [f"cv_{i}" for i in range(spec["agents"])]
        self.agents: list[str] = []
        obs_space = observation_space(spec)
        act_space = spaces.Discrete(spec["actions"])
        self.observation_spaces = {a: obs_space for a in self.possible_agents}
        self.action_spaces = {a: act_space for a in self.possible_agents}
        self.state_space = spaces.Box(
            -np.inf, np.inf, (spec["agents"] * spec["stateDim"],), np.float32
        )
        self._actions = np.zeros((1, spec["agents"]), np.int32)
        self._batch: Batch | None = None

    def observation_space(self, agent):
        return self.observation_spaces[agent]

    def action_space(self, agent):
        return self.action_spaces[agent]

    @property
    def engine_pid(self) -> int:
        """The Deno engine process's id."""
        return self._engine.pid

    def reset(self, seed=None, options=None):
        """Starts an episode: ``options={"episode": k}`` plays episode k of the seed.

        A ``seed`` sets the scenario seed and counts episodes from 1 again, so
        ``reset(seed=s)`` always starts the same episode.
        """
        episode = (options or {}).get("episode")
        self._batch = self._engine.reset(seed=seed, episode=episode)
        self.agents = self.possible_agents[:]
        return self._observations(), self._infos()

    def step(self, actions):
        if not self.agents:
            raise RuntimeError("the episode is over: call reset() before step()")
        a = self._actions
        for i, agent in enumerate(self.possible_agents):
            try:
                a[0, i] = actions[agent]
            except KeyError:
                raise KeyError(f"step() needs an action for every agent; {agent} has none") from None
        self._batch = b = self._engine.step(a)
        obs = self._observations()
        reward = float(b.reward[0])
        rewards = {agent: reward for agent in self.agents}
        terminations = {agent: False for agent in self.agents}
        truncations = {agent: b.truncated for agent in self.agents}
        infos = self._infos()
        if b.truncated:
            self.agents = []
        return obs, rewards, terminations, truncations, infos

    def _observations(self):
        b = self._batch
        return {
            agent: {"observation": b.obs[0, i], "action_mask": b.mask[0, i]}
            for i, agent in enumerate(self.possible_agents)
        }

    def _infos(self):
        b = self._batch
        dnns = self.spec["dnns"]
        return {
            agent: {
                "action_mask": b.mask[0, i],
                "delay_s": float(b.delay[0, i]),
                "objective": float(b.objective[0]),
                "dnn": dnns[b.dnn[0, i]],
                "episode": int(b.episode[0]),
                "slot": int(b.slot[0]),
            }
            for i, agent in enumerate(self.possible_agents)
        }

    def state(self):
        """The joint state (55): the local states concatenated, float32."""
        if self._batch is None:
            raise RuntimeError("call reset() before state()")
        return self._batch.obs[0].reshape(-1)

    @property
    def batch(self) -> Batch | None:
        """The engine's last reply (queues, delays, DNN types), for analysis."""
        return self._batch

    def render(self):
        return None

    def close(self):
        """Ends the engine process (idempotent)."""
        self._engine.close()


def parallel_env(scenario, seed=None, **options) -> VecsceneParallelEnv:
    """A PettingZoo ``ParallelEnv`` of the scenario file ``scenario``.

    ``seed`` is the scenario seed (default: the scenario's); ``infeasible``
    is ``"raise"`` (an infeasible action is an :class:`InvalidActionError`,
    nothing stepped) or ``"remap"`` (cut to the CV's own partitions, an
    out-of-range node sent to the RSU; the count is in the batch).
    ``spin_us``: how long to poll for the engine's reply before sleeping
    (default 1000 µs; a slot's reply comes sooner, and the process is not put
    to sleep and woken per step; 0 always sleeps).
    """
    return VecsceneParallelEnv(scenario, seed, **options)


def env(scenario, seed=None, **options):
    """The AEC form of :func:`parallel_env` (PettingZoo's ``parallel_to_aec``)."""
    return parallel_to_aec(parallel_env(scenario, seed, **options))
