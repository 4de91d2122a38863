"""The PyTorch QMIX example (examples/python/qmix.py): P-QMIX's hyper-parameters, training
at a tiny size, a saved model that acts only on feasible actions, and byte-identical reruns."""

from __future__ import annotations

import ast
import csv
import json
import math
import subprocess
import sys

import numpy as np
import pytest

import vecscene
from conftest import DENO_RUN, HIGHWAY, HOME

EXAMPLES = HOME / "examples" / "python"
QMIX = EXAMPLES / "qmix.py"
# perslot: batch 64, so that 8 episodes of 30 slots on 4 environments make updates.
TINY = ["--preset", "perslot", "--num-envs", "4", "--total-episodes", "8", "--eval-every", "4",
        "--eval-episodes", "2", "--test-episodes", "2", "--threads", "1"]

#: qmix.ts option -> qmix.py Args field (the mapping of qmix.py's docstring).
NAMES = {
    "hidden": "hidden", "mixEmbed": "mix_embed", "hyperHidden": "hyper_hidden", "lr": "lr",
    "discount": "gamma", "tau": "tau", "batch": "batch_size", "buffer": "buffer_size",
    "epsStart": "eps_start", "epsEnd": "eps_end", "epsSteps": "eps_steps",
    "updateEvery": "update_every", "gradClip": "grad_clip", "qHead": "q_head",
    "queueScaleGflop": "queue_scale_gflop", "rewardScale": "reward_scale",
}
#: qmix.ts options the example has no counterpart for, and why.
NOT_MAPPED = {
    "threads": "an implementation setting (qmix.py --threads)",
    "qNoise": "MAD2RL's diffusion agent only",
    "qDraws": "MAD2RL's diffusion agent only",
    "pretrainSteps": "expert pre-training (A26) is not part of the example",
    "pretrainBatch": "expert pre-training",
    "pretrainLr": "expert pre-training",
    "pretrainCe": "expert pre-training",
    "pretrainChain": "expert pre-training",
    "mixerWarmup": "expert pre-training",
    "refineTopK": "decision-time refinement (MODEL.md section 6.1): the example acts by (56)",
    "refinePasses": "decision-time refinement",
}


def example_presets() -> dict:
    """qmix.py's PRESETS, read from its source (no PyTorch needed)."""
    tree = ast.parse(QMIX.read_text())
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and node.targets[0].id in ("PAPER", "PERSLOT_CHANGES"):
            found[node.targets[0].id] = ast.literal_eval(node.value)
    return {"paper": found["PAPER"], "perslot": {**found["PAPER"], **found["PERSLOT_CHANGES"]}}


def test_the_example_takes_p_qmix_hyper_parameters_in_both_regimes(tmp_path):
    script = tmp_path / "presets.ts"
    script.write_text(
        f'import {{ qmixPresets }} from "{(HOME / "policies/learning/qmix.ts").as_uri()}";\n'
        "console.log(JSON.stringify(qmixPresets));\n"
    )
    out = subprocess.run([*DENO_RUN, str(script)], cwd=HOME, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    theirs = json.loads(out.stdout)
    mine = example_presets()
    for preset in ("paper", "perslot"):
        keys = set(theirs[preset])
        assert keys == set(NAMES) | set(NOT_MAPPED), f"qmix.ts options changed: {keys ^ (set(NAMES) | set(NOT_MAPPED))}"
        for ts_name, py_name in NAMES.items():
            value = mine[preset][py_name]
            if ts_name == "hidden":
                value = [int(h) for h in value.split(",")]
            assert value == theirs[preset][ts_name], f"{preset}: {py_name} {value} != {ts_name} {theirs[preset][ts_name]}"


def torch_or_skip():
    try:
        import torch  # noqa: F401
    except ImportError as e:
        pytest.skip(f"the QMIX example needs PyTorch, which does not import here ({e}); "
                    ".ci/run installs Debian's python3-torch")


def run_tiny(out) -> str:
    cmd = [sys.executable, str(QMIX), *TINY, "--out", str(out)]
    done = subprocess.run(cmd, cwd=HOME, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """Two runs of the tiny training with the same seed."""
    torch_or_skip()
    a, b = tmp_path_factory.mktemp("a"), tmp_path_factory.mktemp("b")
    return a, b, run_tiny(a), run_tiny(b)


def read_log(out):
    with open(out / "log.csv", newline="") as f:
        return list(csv.DictReader(f))


def test_it_trains_at_a_tiny_size(tiny):
    a, _, stdout, _ = tiny
    rows = read_log(a)
    assert list(rows[0]) == ["episode", "global_step", "updates", "charts/episodic_return",
                             "charts/mean_tct_s", "charts/epsilon", "losses/td_loss", "losses/q_tot",
                             "eval/mean_tct_s", "eval/episodic_return"]
    train = [r for r in rows if r["charts/episodic_return"]]
    evals = [r for r in rows if r["eval/mean_tct_s"]]
    assert [int(r["episode"]) for r in train] == list(range(1, 9))
    assert [int(r["episode"]) for r in evals] == [4, 8]
    # 240 transitions, updates from the 64th on (one per transition): 240 - 63.
    assert int(train[-1]["updates"]) == 177
    # Epsilon falls per CV-slot decision once the buffer holds 64: 4 per step from step 16;
    # the last step of episode 4 (step 29) sees 4 * 13 = 52, of episode 8 (step 59) 4 * 43.
    assert float(train[3]["charts/epsilon"]) == pytest.approx(0.1 - 0.09 * 52 / 3000)
    assert float(train[-1]["charts/epsilon"]) == pytest.approx(0.1 - 0.09 * 172 / 3000)
    for r in train:
        assert math.isfinite(float(r["losses/td_loss"])) and float(r["losses/td_loss"]) > 0
        assert float(r["charts/mean_tct_s"]) > 0
    summary = json.loads((a / "summary.json").read_text())
    assert summary["updates"] == 177 and summary["episodes"] == 8
    assert summary["best_eval_mean_tct_s"] == min(float(r["eval/mean_tct_s"]) for r in evals)
    assert summary["test"]["model"] == "best" and summary["test"]["episodes"] == 2
    assert stdout.startswith("qmix.py: ") and "episode 8: " in stdout


def test_the_saved_model_loads_and_decides_only_feasible_actions(tiny):
    a = tiny[0]
    sys.path.insert(0, str(EXAMPLES))
    sys.dont_write_bytecode, before = True, sys.dont_write_bytecode  # no __pycache__ in examples/
    try:
        import qmix
    finally:
        sys.path.remove(str(EXAMPLES))
        sys.dont_write_bytecode = before
    env = vecscene.vector_env(HIGHWAY, 3, seed=11)
    learner = qmix.load_model(str(a / "best"), env.spec)
    assert learner.args.preset == "perslot" and learner.enc.input_dim == 13 + 3 + 7
    rng = np.random.default_rng(0)
    obs, info = env.reset(options={"episode": 1})
    for slot in range(env.spec["slots"]):
        norm = learner.enc.normalise(obs["observation"])
        assert np.abs(norm[..., 7:]).max() <= 1  # A13: road coordinates in [-1, 1]
        for eps in (0.0, 0.5):
            actions = learner.act(norm, obs["action_mask"], info["dnn"].astype(np.int64), eps, rng)
            chosen = np.take_along_axis(obs["action_mask"], actions[..., None], 2)
            assert (chosen == 1).all(), f"an infeasible action at slot {slot + 1} (epsilon {eps})"
        obs, _, _, _, info = env.step(actions)
    other = dict(env.spec, nodes=7)
    env.close()
    with pytest.raises(ValueError, match="trained for"):
        qmix.load_model(str(a / "best"), other)


def test_the_same_seed_gives_the_same_bytes(tiny):
    # Reproducible at a fixed thread count: the environment is deterministic, numpy's and
    # PyTorch's generators are seeded, and OpenBLAS on one thread sums in a fixed order.
    a, b, _, _ = tiny
    assert (a / "log.csv").read_bytes() == (b / "log.csv").read_bytes()
    sa, sb = (json.loads((d / "summary.json").read_text()) for d in (a, b))
    assert sa["test"] == sb["test"] and sa["best_eval_mean_tct_s"] == sb["best_eval_mean_tct_s"]
    import torch

    ma, mb = torch.load(a / "model.pt"), torch.load(b / "model.pt")
    for k in ma["agent"]:
        assert torch.equal(ma["agent"][k], mb["agent"][k])
