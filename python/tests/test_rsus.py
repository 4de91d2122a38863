"""Several RSUs (MODEL.md section 6.3) from Python: the corridor's spaces, masks and queues."""

from __future__ import annotations

import numpy as np

import vecscene
from conftest import HOME, masked_actions

CORRIDOR = str(HOME / "scenarios" / "nyc-corridor.yaml")


def test_corridor_spaces_masks_and_rsu_queues():
    v = vecscene.vector_env(CORRIDOR, 2, seed=1)
    try:
        R, S = v.spec["rsus"], v.spec["svs"]
        assert (R, S) == (5, 5)
        assert v.spec["nodes"] == R + S
        assert v.spec["encoding"] == 2
        obs, _ = v.reset()
        # E12: the CV's queue, its type's queue at each RSU, the SV queues, then road coordinates.
        assert obs["observation"].shape == (2, 7, R + 2 * S + 2)
        assert obs["action_mask"].shape[-1] == 22 * (R + S)  # VGG16: (21 + 1) (R + S)
        rng = np.random.default_rng(0)
        for _ in range(30):
            mask = obs["action_mask"]
            # Every row keeps a feasible action; an active CV's RSUs are those that cover it.
            assert (mask.reshape(2, 7, -1).sum(-1) > 0).all()
            obs, reward, term, trunc, info = v.step(masked_actions(rng, mask))
            assert np.isfinite(reward).all()
        assert v.batch.rsu_queue.shape == (2, R, 3)
        assert (v.batch.rsu_queue >= 0).all()
    finally:
        v.close()


def test_corridor_parallel_env_is_deterministic():
    def play():
        env = vecscene.parallel_env(CORRIDOR, seed=3)
        obs, _ = env.reset(seed=3, options={"episode": 2})
        rng = np.random.default_rng(1)
        out = []
        while env.agents:
            actions = {a: int(masked_actions(rng, obs[a]["action_mask"])) for a in env.agents}
            obs, rewards, _, _, _ = env.step(actions)
            out.append(rewards["cv_0"])
        env.close()
        return out

    assert play() == play()
