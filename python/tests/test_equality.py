"""Python's rewards, delays and queues equal the engine's own: `openEnv` and `deno task run`."""

from __future__ import annotations

import csv
import json
from collections import defaultdict

import numpy as np

import vecscene
from conftest import DENO_RUN, HIGHWAY, HOME, deno, masked_actions


def test_equal_to_typescript_open_env(tmp_path):
    env = vecscene.parallel_env(HIGHWAY, seed=9)
    rng = np.random.default_rng(1)
    episodes, mine = [], []
    for episode in (1, 4):
        obs, _ = env.reset(options={"episode": episode})
        actions, rec = [], {"reward": [], "delay": [], "cvQueue": [], "mask": []}
        while env.agents:
            rec["cvQueue"].append(env.batch.cv_queue[0].tolist())
            counts = [(env.spec["layers"][k] + 1) * env.spec["nodes"] for k in env.batch.dnn[0]]
            rec["mask"].append([obs[a]["action_mask"][:c].tolist() for a, c in zip(env.possible_agents, counts)])
            a = {k: int(masked_actions(rng, obs[k]["action_mask"])) for k in env.agents}
            actions.append([a[k] for k in env.possible_agents])
            obs, rewards, _, _, infos = env.step(a)
            rec["reward"].append(rewards["cv_0"])
            rec["delay"].append([infos[k]["delay_s"] for k in env.possible_agents])
        episodes.append({"episode": episode, "actions": actions})
        mine.append(rec)
    env.close()
    job = tmp_path / "job.json"
    job.write_text(json.dumps({"scenario": HIGHWAY, "seed": 9, "episodes": episodes}))
    theirs = json.loads(deno(str(HOME / "python/tests/replay.ts"), str(job)))
    assert theirs == mine  # exact: the same doubles, and the same masks slot by slot


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_equal_to_deno_task_run_csvs(tmp_path):
    import subprocess

    out = tmp_path / "run"
    subprocess.run(
        [*DENO_RUN, str(HOME / "cli.ts"), "run", HIGHWAY, "-p", "greedy", "-e", "2", "-s", "6",
         "-o", str(out), "-q"],
        check=True,
    )
    slots = read_csv(out / "slots.csv")
    steps = read_csv(out / "steps.csv")
    queues = read_csv(out / "queues.csv")
    decisions = defaultdict(dict)
    for r in slots:
        node = 0 if r["target"] == "rsu" else int(r["target"].removeprefix("sv"))
        decisions[int(r["episode"]), int(r["slot"])][int(r["cv"]) - 1] = (int(r["partition"]), node, float(r["delay_s"]))
    backlog = {(int(r["episode"]), int(r["slot"]), r["queue"]): float(r["backlog_gflop"]) for r in queues}
    reward = {(int(r["episode"]), int(r["slot"])): float(r["reward"]) for r in steps}

    env = vecscene.parallel_env(HIGHWAY, seed=6)
    J, dnns = env.spec["nodes"], env.spec["dnns"]
    checked = 0
    for episode in (1, 2):
        env.reset(options={"episode": episode})
        slot = 1
        while env.agents:
            b = env.batch
            for i in range(7):
                assert b.cv_queue[0, i] == backlog[episode, slot, f"cv{i + 1}"]
            for s in range(env.spec["svs"]):
                assert b.sv_queue[0, s] == backlog[episode, slot, f"sv{s + 1}"]
            for k, name in enumerate(dnns):
                assert b.rsu_queue[0, k] == backlog[episode, slot, f"rsu:{name}"]
            d = decisions[episode, slot]
            actions = {f"cv_{i}": (d[i][0] - 1) * J + d[i][1] for i in range(7)}  # A10
            _, rewards, _, _, infos = env.step(actions)
            assert rewards["cv_0"] == reward[episode, slot]
            assert [infos[f"cv_{i}"]["delay_s"] for i in range(7)] == [d[i][2] for i in range(7)]
            slot += 1
            checked += 1
    assert checked == 60
    env.close()
