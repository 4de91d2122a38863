/**
 * The PyTorch anchor of the bench (`bench/torch.ts`, `bench/torch_side.py`):
 * when PyTorch is there, the PyTorch side's quick mode gives every figure
 * the suite reads, with networks of vecscene's sizes, and its MAD2RL agent
 * computes networks.ts's reverse chain (same weights, inputs and noise, same
 * x^0); always, the suite skips with its reason, and no figures, when the
 * named interpreter has no torch. No timing is asserted.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { FIGURES, torchPython, torchSideKeys } from "../../bench/torch.ts";
import { paperLearner } from "../../bench/learning.ts";
import { Rng } from "../../engine/rng.ts";
import { initBackend, tf } from "../../policies/learning/tensor/backend.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const choice = torchPython();

Deno.test({
  name:
    "torch_side.py --quick: every figure positive and finite, the networks of vecscene's sizes" +
    ("skip" in choice ? ` (skipped: ${choice.skip})` : ""),
  ignore: "skip" in choice,
  async fn() {
    const python = (choice as { python: string }).python;
    const res = await new Deno.Command(python, {
      args: [`${ROOT}bench/torch_side.py`, "--quick"],
      env: { PYTHONDONTWRITEBYTECODE: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const err = new TextDecoder().decode(res.stderr);
    assert.equal(res.code, 0, `torch_side.py --quick failed:\n${err}`);
    const out = JSON.parse(new TextDecoder().decode(res.stdout)) as Record<string, unknown>;
    for (const key of FIGURES.flatMap(torchSideKeys)) {
      const v = out[key];
      assert.ok(typeof v === "number" && Number.isFinite(v) && v > 0, `${key}: ${v}`);
    }
    assert.equal(out.batch, 8);
    // The PyTorch networks have vecscene's parameter counts (the mixer's four first hypernetwork
    // layers are one product in vecscene, four in PyTorch: the same weights).
    await initBackend();
    for (const [name, kind] of [["mad2rl", "diffusion"], ["pqmix", "mlp"]] as const) {
      const learner = paperLearner(kind);
      try {
        assert.equal(out[`${name}_agent_params`], learner.agent.params.size, `${name} agent`);
        assert.equal(out[`${name}_mixer_params`], learner.mixer.params.size, `${name} mixer`);
      } finally {
        learner.dispose();
      }
    }
  },
});

Deno.test({
  name: "torch_side.py's diffusion agent computes networks.ts's reverse chain on the same noise" +
    ("skip" in choice ? ` (skipped: ${choice.skip})` : ""),
  ignore: "skip" in choice,
  async fn() {
    await initBackend();
    const learner = paperLearner("diffusion");
    const dir = await Deno.makeTempDir({ prefix: "vecscene-test-torch-" });
    try {
      const { agent, inputDim, maxActions: A } = learner;
      const flat = agent.params.flat.dataSync();
      const weights = Object.fromEntries(
        agent.params.layout().map((e) => [e.name, [...flat.subarray(e.offset, e.offset + e.size)]]),
      );
      const rng = new Rng([3, 1, 4, 1]);
      const rows = 7;
      const states = Float32Array.from({ length: rows * 13 }, () => rng.next());
      const input = learner.inputs(states, Int32Array.from([0, 1, 2, 0, 1, 2, 0]), rows);
      const noise = Array.from(
        { length: agent.noiseSteps },
        () => Float32Array.from({ length: rows * A }, () => 2 * rng.next() - 1),
      );
      const ours = tf.tidy(() => {
        const z = noise.map((n) => tf.tensor2d(n, [rows, A]));
        return agent.logits(tf.tensor2d(input, [rows, inputDim]), z).dataSync();
      });
      const file = `${dir}/chain.json`;
      const rowsOf = (v: Float32Array, w: number) =>
        Array.from({ length: v.length / w }, (_, r) => [...v.subarray(r * w, (r + 1) * w)]);
      await Deno.writeTextFile(
        file,
        JSON.stringify({
          weights,
          input: rowsOf(input, inputDim),
          noise: noise.map((n) => rowsOf(n, A)),
        }),
      );
      const res = await new Deno.Command((choice as { python: string }).python, {
        args: [`${ROOT}bench/torch_side.py`, "--chain-check", file],
        env: { PYTHONDONTWRITEBYTECODE: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(res.code, 0, new TextDecoder().decode(res.stderr));
      const theirs = (JSON.parse(new TextDecoder().decode(res.stdout)).logits as number[][]).flat();
      assert.equal(theirs.length, ours.length);
      const scale = Math.max(...ours.map(Math.abs));
      assert.ok(scale > 0.1, `logits of scale ${scale}`);
      for (let k = 0; k < ours.length; k++) {
        assert.ok(
          Math.abs(theirs[k] - ours[k]) <= 1e-5 * scale,
          `x^0[${k}]: ${theirs[k]} vs ${ours[k]}`,
        );
      }
    } finally {
      learner.dispose();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("torchPython: an interpreter that cannot run is a reason to skip", () => {
  const choice = torchPython("/nonexistent/vecscene-python");
  assert.ok("skip" in choice);
  assert.match(choice.skip, /^VECSCENE_TORCH_PYTHON=\/nonexistent\/vecscene-python cannot be run/);
});

Deno.test("bench --only torch.: an interpreter without torch skips with the reason, no figures", async () => {
  // python3 without its site directories (where Debian's and pip's torch live): no torch.
  const dir = await Deno.makeTempDir({ prefix: "vecscene-test-torch-" });
  try {
    const python = `${dir}/python`;
    await Deno.writeTextFile(python, '#!/bin/sh\nexec python3 -S -I "$@"\n');
    await Deno.chmod(python, 0o755);
    assert.ok("skip" in torchPython(python));
    const res = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${ROOT}bench/main.ts`, "--only", "torch.", "--json"],
      env: { VECSCENE_TORCH_PYTHON: python },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const err = new TextDecoder().decode(res.stderr);
    assert.equal(res.code, 0, err);
    assert.deepEqual(JSON.parse(new TextDecoder().decode(res.stdout)), {});
    const lines = err.split("\n").filter((l) => l.startsWith("bench torch."));
    assert.equal(lines.length, 1, err);
    const escaped = python.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    assert.match(
      lines[0],
      new RegExp(
        `^bench torch\\.: VECSCENE_TORCH_PYTHON=${escaped} has no torch \\(.+\\): skipped$`,
      ),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
