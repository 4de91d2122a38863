/**
 * `deno task bench [--json] [--only PREFIX]`: measure and print the named
 * performance figures (docs/RESULTS.md keeps the measured values).
 *
 * `--only torch.` sets the learners' updates and decisions beside the same
 * computations in PyTorch, each figure with its anchor and their ratio
 * (`torch.ts`); without PyTorch it says why on stderr and gives no figures.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { benchEngine } from "./engine.ts";
import { benchTrace } from "./trace.ts";
import { benchGemm, benchLearning, benchTfjsKernels } from "./learning.ts";
import { benchSandbox } from "./sandbox.ts";
import { benchSoak } from "./soak.ts";
import { benchExperiment } from "./experiment.ts";
import { benchLearn } from "./learn.ts";
import { benchIntegrity } from "./integrity.ts";
import { benchPython } from "./python.ts";
import { benchDecide } from "./decide.ts";
import { benchRsus } from "./rsus.ts";
import { benchTorch } from "./torch.ts";

type Suite = [prefix: string, run: () => Promise<Record<string, number>>];

const SUITES: Suite[] = [
  ["engine.", benchEngine],
  ["genetic.", benchEngine],
  ["engine.", benchRsus],
  ["genetic.", benchRsus],
  ["trace.", benchTrace],
  ["mad2rl.", benchLearning],
  ["pqmix.", benchLearning],
  ["pqmix.", benchTfjsKernels],
  ["gemm.", benchGemm],
  ["sandbox.", benchSandbox],
  ["soak.", benchSoak],
  ["experiment.", benchExperiment],
  ["integrity.", benchIntegrity],
  ["python.", benchPython],
  ["decide.", benchDecide],
  ["learn.", benchLearn],
  ["torch.", benchTorch],
];

/** Runs the suites whose figures match `only` and prints them. */
export async function bench(o: { json?: boolean; only?: string }): Promise<void> {
  const figures: Record<string, number> = {};
  const done = new Set<Suite[1]>();
  for (const [prefix, run] of SUITES) {
    if (o.only && !prefix.startsWith(o.only) && !o.only.startsWith(prefix)) continue;
    if (done.has(run)) continue;
    done.add(run);
    Object.assign(figures, await run());
  }
  const shown = Object.entries(figures).filter(([k]) => !o.only || k.startsWith(o.only));
  if (o.json) {
    console.log(JSON.stringify(Object.fromEntries(shown), null, 2));
  } else {
    const w = Math.max(...shown.map(([k]) => k.length));
    for (const [k, v] of shown) console.log(`${k.padEnd(w)}  ${v.toFixed(v >= 100 ? 0 : 3)}`);
  }
}

if (import.meta.main) {
  let flags;
  try {
    flags = parseArgs({
      args: Deno.args,
      options: { json: { type: "boolean" }, only: { type: "string" } },
    }).values;
  } catch (e) {
    console.error(
      `bench: ${(e as Error).message}; usage: deno task bench [--json] [--only PREFIX]`,
    );
    Deno.exit(2);
  }
  await bench(flags);
}
