/**
 * The shared behavioural suite every policy passes: built-ins, the example
 * plugin, and (later) learning policies. Like hono's `runTest`, call it
 * from a test file with the policy and what to skip.
 *
 * @module
 */
import assert from "node:assert/strict";
import { parseScenario } from "../engine/scenario/load.ts";
import { Simulation } from "../engine/sim/engine.ts";
import { compileWorld } from "../engine/world.ts";
import { instantiate } from "../engine/run.ts";
import type { Params, PolicyDefinition } from "../policies/contract.ts";
import { resolveParams } from "../policies/params.ts";

/** What a conformance run takes. */
export interface ConformanceOptions {
  def: PolicyDefinition;
  params?: Params;
  /** Scenario text; defaults to 3 CVs, 2 SVs, 6 slots. */
  scenario?: string;
  /** Checks to skip, e.g. episode independence for policies that carry state across episodes. */
  skip?: ("episode-independence")[];
}

const SMALL = "name: conformance\nseed: 11\ntime: { slots: 6 }\n" +
  "vehicles: { clients: { count: 3 }, services: { count: 2 } }\n";

type Trace = string[];

async function trace(o: ConformanceOptions, episodes: number[], seed?: number): Promise<Trace> {
  const loaded = parseScenario(o.scenario ?? SMALL, "<conformance>");
  const world = compileWorld(loaded, seed ?? loaded.scenario.seed);
  const { params, problems } = resolveParams(o.def, o.params ?? {});
  assert.deepEqual(problems, [], "the given params must be valid");
  const inst = await instantiate({ label: o.def.id, def: o.def, params, plugin: true }, world);
  const sim = new Simulation(world, inst, { label: o.def.id, untrusted: true });
  const out: Trace = [];
  sim.on("slot", (e) => {
    const n = world.info.cvCount;
    out.push(
      `${e.episode}/${e.slot}: ${Array.from(e.decision.partition).slice(0, n)} -> ` +
        `${Array.from(e.decision.target).slice(0, n)} = ${e.detail.objective}`,
    );
  });
  for (const e of episodes) sim.runEpisode(e, false);
  inst.dispose?.();
  return out;
}

/** Registers the suite's tests for one policy. */
export function runPolicyConformance(o: ConformanceOptions): void {
  const name = (what: string) => `conformance [${o.def.id}]: ${what}`;

  Deno.test(name("the definition is well formed"), () => {
    assert.match(o.def.id, /^[a-z0-9][a-z0-9-]*$/);
    assert.ok(o.def.description.length > 0);
    assert.equal(typeof o.def.create, "function");
    const { problems } = resolveParams(o.def, {});
    assert.deepEqual(problems, [], "the defaults must pass the policy's own check");
  });

  Deno.test(name("every decision over two episodes is valid"), async () => {
    const t = await trace(o, [0, 1]);
    assert.equal(t.length, 12);
    for (const line of t) assert.match(line, /= -?\d/);
  });

  Deno.test(name("same seed, same decisions; another seed, other episodes"), async () => {
    const a = await trace(o, [0, 1]);
    const b = await trace(o, [0, 1]);
    assert.deepEqual(a, b);
    const c = await trace(o, [0, 1], 12345);
    assert.notDeepEqual(a, c);
  });

  if (!o.skip?.includes("episode-independence")) {
    Deno.test(name("an episode plays the same whether or not others ran before it"), async () => {
      const both = await trace(o, [0, 1]);
      const second = await trace(o, [1]);
      assert.deepEqual(both.slice(6), second);
    });
  }
}
