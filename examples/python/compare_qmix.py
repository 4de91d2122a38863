"""The PyTorch QMIX example (qmix.py) side by side with the project's P-QMIX (TensorFlow.js).

One run, one machine, one figure after another (never two at once):

1. Update time at the paper's sizes (7 agents, J = 6, 13 state values, up to 132 actions,
   batch 64) on a filled buffer: ``bench/learning.ts --pqmix-only`` (P-QMIX's
   ``pqmix.update_ms`` with its two-thread update, ``pqmix.update_1thread_ms``,
   ``pqmix.update_perslot_ms``), then ``qmix.py --bench-update`` in the same three settings.
2. Training for the same budget of B episodes in the same regime (``--preset``, default
   ``paper``: TD from scratch, MODEL.md section 3): ``deno task train -p pqmix-<preset>``
   and ``qmix.py --preset <preset>``, both on episodes 1,000,001..1,000,000 + B of the scenario
   seed, both choosing their best weights on episodes 500,001.. of seed + 1 every
   ``--eval-every`` episodes, with ``--threads`` threads each.
3. The held-out test of both best models on the same episodes 1..N of ``--test-seed``:
   ``deno task run -p pqmix-<preset> --checkpoint DIR -s SEED -e N`` (summary.json's mean
   TCT) and qmix.py's own greedy test on the vector environment (the same episodes: the
   vector environment's delays equal ``deno task run``'s, python/tests/test_equality.py).

Prints a table and writes it to OUT/comparison.csv and OUT/comparison.json (with the
commands, their wall times and the machine's load before the run).

    .venv/bin/python examples/python/compare_qmix.py --budget 100 --out out/compare-qmix
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scenario", default="scenarios/highway.yaml")
    p.add_argument("--preset", default="paper", choices=["paper", "perslot"],
                   help="the regime both learners train in (P-QMIX's label pqmix-paper or pqmix)")
    p.add_argument("--budget", type=int, default=100, help="training episodes B of each learner")
    p.add_argument("--seed", type=int, default=1, help="scenario seed of the training episodes")
    p.add_argument("--eval-every", type=int, default=10)
    p.add_argument("--eval-episodes", type=int, default=10)
    p.add_argument("--test-seed", type=int, default=3)
    p.add_argument("--test-episodes", type=int, default=30)
    p.add_argument("--threads", type=int, default=1, help="threads of each learner's training")
    p.add_argument("--bench-runs", type=int, default=40, help="timed updates per figure of qmix.py")
    p.add_argument("--out", default="out/compare-qmix")
    p.add_argument("--skip-bench", action="store_true")
    p.add_argument("--skip-train", action="store_true")
    return p.parse_args(argv)


def run(cmd: list[str], log: Path) -> tuple[float, str]:
    """Runs ``cmd`` in the repository; returns its wall seconds and stdout (stderr to ``log``)."""
    print("$", " ".join(cmd), flush=True)
    t0 = time.perf_counter()
    with open(log, "w") as err:
        out = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=err, text=True,
                             env={**os.environ, "NO_COLOR": "1"})
    seconds = time.perf_counter() - t0
    if out.returncode != 0:
        sys.exit(f"failed ({out.returncode}): {' '.join(cmd)}\n{log.read_text()[-3000:]}")
    return seconds, out.stdout


def bench(a, out: Path, python: str) -> tuple[dict, list]:
    """The update figures of both learners (milliseconds, medians)."""
    commands = []
    cmd = ["deno", "run", "--allow-read", "--allow-env", "bench/learning.ts", "--pqmix-only"]
    _, text = run(cmd, out / "bench-pqmix.log")
    commands.append(" ".join(cmd))
    ts = json.loads(text)
    figures = {
        "update_ms paper, 2 threads": [ts["pqmix.update_ms"]],
        "update_ms paper, 1 thread": [ts["pqmix.update_1thread_ms"]],
        "update_ms perslot, 1 thread": [ts["pqmix.update_perslot_ms"]],
    }
    settings = [("paper", 2, "update_ms paper, 2 threads"), ("paper", 1, "update_ms paper, 1 thread"),
                ("perslot", 1, "update_ms perslot, 1 thread")]
    blas = ""
    for preset, threads, key in settings:
        cmd = [python, str(HERE / "qmix.py"), "--bench-update", str(a.bench_runs),
               "--preset", preset, "--threads", str(threads)]
        _, text = run(cmd, out / f"bench-qmix-py-{preset}-{threads}.log")
        commands.append(" ".join(cmd))
        py = json.loads(text.strip().splitlines()[-1])
        figures[key].append(py["update_ms"])
        blas = py["blas"]
    return {"figures": figures, "tfjs_backend": ts.get("backend"), "torch_blas": blas}, commands


def train_both(a, out: Path, python: str) -> tuple[dict, list]:
    """Trains both learners for B episodes, then tests both on the held-out episodes."""
    label = "pqmix-paper" if a.preset == "paper" else "pqmix"
    ts_dir, py_dir = out / "pqmix", out / "qmix-py"
    common = ["-e", str(a.budget), "-s", str(a.seed), "--eval-every", str(a.eval_every),
              "--eval-episodes", str(a.eval_episodes)]
    train_ts = ["deno", "task", "train", a.scenario, "-p", label, *common, "-o", str(ts_dir),
                "--param", f"threads={min(a.threads, 2)}", "-q"]
    train_py = [python, str(HERE / "qmix.py"), "--scenario", a.scenario, "--preset", a.preset,
                "--total-episodes", str(a.budget), "--num-envs", "1", "--seed", str(a.seed),
                "--eval-every", str(a.eval_every), "--eval-episodes", str(a.eval_episodes),
                "--threads", str(a.threads), "--test-seed", str(a.test_seed),
                "--test-episodes", str(a.test_episodes), "--out", str(py_dir)]
    test_ts = ["deno", "task", "run", a.scenario, "-p", label, "--checkpoint", str(ts_dir),
               "-s", str(a.test_seed), "-e", str(a.test_episodes), "-o", str(out / "pqmix-test"),
               "--no-csv", "-q"]
    ts_train_s, _ = run(train_ts, out / "train-pqmix.log")
    py_train_s, _ = run(train_py, out / "train-qmix-py.log")  # includes its held-out test
    ts_test_s, _ = run(test_ts, out / "test-pqmix.log")
    ts_sum = json.loads((out / "pqmix-test" / "summary.json").read_text())
    ts_test = ts_sum["policies"][0]["aggregates"]["meanDelayS"]
    ts_log = [json.loads(x) for x in (ts_dir / "train.jsonl").read_text().splitlines() if x]
    ts_evals = [x["meanDelayS"] for x in ts_log if x["type"] == "eval"]
    ts_updates = [x.get("updates") for x in ts_log if x["type"] == "episode"][-1]
    py_sum = json.loads((py_dir / "summary.json").read_text())
    rows = {
        f"train wall s ({a.budget} episodes)": [ts_train_s, py_train_s],
        "updates": [ts_updates, py_sum["updates"]],
        "best selection TCT s (seed %d)" % (a.seed + 1): [min(ts_evals), py_sum["best_eval_mean_tct_s"]],
        f"held-out mean TCT s (seed {a.test_seed}, episodes 1..{a.test_episodes})":
            [ts_test, py_sum["test"]["mean_tct_s"]],
    }
    extra = {"pqmix_test_wall_s": ts_test_s, "qmix_py_seconds_in_training": py_sum["seconds"]}
    return {"figures": rows, **extra}, [" ".join(map(str, c)) for c in (train_ts, train_py, test_ts)]


def main(argv=None):
    a = parse_args(argv)
    out = (ROOT / a.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    python = sys.executable
    load = os.getloadavg()
    print(f"load average before the run: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
          + ("  (high: figures may be slower than on an idle machine)" if load[0] > 1.2 else ""))
    t0 = time.perf_counter()
    report = {"args": vars(a), "load_before": load, "cpus": os.cpu_count(), "commands": []}
    table = {}
    if not a.skip_bench:
        b, cmds = bench(a, out, python)
        table.update(b.pop("figures"))
        report.update(b)
        report["commands"] += cmds
    if not a.skip_train:
        t, cmds = train_both(a, out, python)
        table.update(t.pop("figures"))
        report.update(t)
        report["commands"] += cmds
    report["wall_s"] = time.perf_counter() - t0
    report["table"] = {k: {"pqmix_tfjs": v[0], "qmix_py_torch": v[1]} for k, v in table.items()}
    width = max(len(k) for k in table) if table else 10
    print(f"\n{'figure':<{width}}  {'P-QMIX (tfjs)':>14}  {'qmix.py (torch)':>15}")
    print(f"{'-' * width}  {'-' * 14}  {'-' * 15}")
    for k, (ts, py) in table.items():
        print(f"{k:<{width}}  {fmt(ts):>14}  {fmt(py):>15}")
    print(f"(whole comparison: {report['wall_s']:.0f} s; results: {out})")
    with open(out / "comparison.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["figure", "pqmix_tfjs", "qmix_py_torch"])
        for k, (ts, py) in table.items():
            w.writerow([k, ts, py])
    (out / "comparison.json").write_text(json.dumps(report, indent=2))


def fmt(x) -> str:
    if x is None:
        return "-"
    return f"{x:.0f}" if isinstance(x, int) else f"{x:.3f}"


if __name__ == "__main__":
    main()
