"""vecscene from Python: the VEC engine's scenarios as PettingZoo and Gymnasium environments.

>>> import vecscene
>>> env = vecscene.parallel_env("scenarios/highway.yaml", seed=7)   # doctest: +SKIP
>>> obs, infos = env.reset()                                        # doctest: +SKIP

- :func:`parallel_env` / :func:`env`: PettingZoo parallel / AEC environments.
- :func:`vector_env`: many environments stepped in one call (numpy in and out).
- ``gymnasium.make("vecscene/Highway-v0")``: the tuple-space form EPyMARL loads.

The engine stays in Deno (``deno run <repo>/cli.ts serve``); see ``_engine``
for how it is found.
"""

from ._engine import (
    ENCODING,
    InvalidActionError,
    ScenarioError,
    VecsceneError,
    home,
)
from .gym import TupleEnv, register
from .parallel import ENV_VERSION, VecsceneParallelEnv, env, parallel_env
from .vector import VecsceneVectorEnv, vector_env

__version__ = "0.1.0"

__all__ = [
    "ENCODING",
    "ENV_VERSION",
    "InvalidActionError",
    "ScenarioError",
    "TupleEnv",
    "VecsceneError",
    "VecsceneParallelEnv",
    "VecsceneVectorEnv",
    "env",
    "home",
    "parallel_env",
    "vector_env",
]

register()
