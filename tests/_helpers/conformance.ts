/**
 * The behavioural suite every policy passes: the built-ins, the learning
 * policies (with a small trained checkpoint) and the example plugin. Like
 * hono's `runTest`, a test file calls it with the policy and what to skip;
 * every skip carries its reason.
 *
 * @module
 */
import assert from "node:assert/strict";
import { playEpisode } from "../../host/episode.ts";
import { instantiate, type Player } from "../../host/player.ts";
import { resolveParams } from "../../host/params.ts";
import { Rng } from "../../engine/rng.ts";
import { parseScenario } from "../../engine/scenario/load.ts";
import { Env } from "../../engine/sim/env.ts";
import {
  type Decision,
  definePolicy,
  type Params,
  type PolicyDefinition,
  type StepResult,
} from "../../engine/sim/policy.ts";
import { compileWorld, type World } from "../../engine/world.ts";

/** The suite's checks, by name. */
export const CHECKS = [
  "definition",
  "valid-decisions",
  "deterministic",
  "episode-independence",
  "reset-restarts",
  "observation-unchanged",
  "inactive-vehicles",
  "dispose",
  "isolated",
] as const;
export type Check = typeof CHECKS[number];

/** What a conformance run takes. */
export interface ConformanceOptions {
  def: PolicyDefinition;
  params?: Params;
  /** Scenario text; defaults to 3 CVs, 2 SVs, 6 slots. */
  scenario?: string;
  /** Checks to skip, each group with the reason. */
  skip?: { reason: string; tests: Check[] }[];
  /** Live tensor count (learning policies): `dispose` must bring it back. */
  tensors?: () => number;
  /** How the tests name the policy (default: its id). */
  name?: string;
}

const SMALL = "name: conformance\nseed: 11\ntime: { slots: 6 }\n" +
  "vehicles: { clients: { count: 3 }, services: { count: 2 } }\n";

async function setUp(
  o: ConformanceOptions,
  seed?: number,
  before?: (world: World) => Promise<void>,
): Promise<{ env: Env; player: Player }> {
  const loaded = parseScenario(o.scenario ?? SMALL, "<conformance>");
  const world = compileWorld(loaded, seed ?? loaded.scenario.seed);
  await before?.(world);
  const { params, problems } = resolveParams(o.def, o.params ?? {});
  assert.deepEqual(problems, [], "the given params must be valid");
  const player = await instantiate({ label: o.def.id, def: o.def, params, plugin: true }, world);
  return { env: new Env(world), player };
}

/** Writes into everything it is given (state, tables, scenario facts), then decides as `rsu`. */
const VANDAL = definePolicy({
  id: "vandal",
  description: "mutates what it sees",
  defaults: {},
  create: (_p, { info }) => {
    for (const t of info.tables) t.edgeGflop.fill(0);
    return {
      decide(obs) {
        const s = obs.state as unknown as Record<string, Float64Array>;
        for (const k of ["cvQueueGflop", "rsuQueueGflop", "svQueueGflop", "cvCpuGflops"]) {
          s[k].fill(7);
        }
        for (const t of obs.tables) (t.localGflop as Float64Array).fill(0);
        return {
          partition: new Int32Array(obs.cvCount).fill(1),
          target: new Int32Array(obs.cvCount),
        };
      },
    };
  },
}) as unknown as PolicyDefinition;

/** One line per slot: decisions of the CVs and the objective they scored. */
function record(env: Env): string[] {
  const out: string[] = [];
  const n = env.info.cvCount;
  env.on("slot", (e) => {
    out.push(
      `${e.episode}/${e.slot}: ${Array.from(e.decision.partition).slice(0, n)} -> ` +
        `${Array.from(e.decision.target).slice(0, n)} = ${e.detail.objective}`,
    );
  });
  return out;
}

async function trace(
  o: ConformanceOptions,
  episodes: number[],
  seed?: number,
  before?: (world: World) => Promise<void>,
): Promise<string[]> {
  const { env, player } = await setUp(o, seed, before);
  const out = record(env);
  try {
    for (const e of episodes) playEpisode(env, player, e);
  } finally {
    player.instance.dispose?.();
  }
  return out;
}

/** Every value of the observation's state and tables, to compare after `decide`. */
function snapshot(env: Env): string {
  // The observation's copy of the state: the engine's own state is out of a policy's reach.
  const s = env.observation.state as unknown as Record<string, unknown>;
  const arrays = Object.entries(s).map(([k, v]) =>
    `${k}=${ArrayBuffer.isView(v) ? Array.from(v as Float64Array).join(",") : v}`
  );
  return arrays.join(";") + JSON.stringify(env.observation.tables);
}

/**
 * Plays `episodes` with the policy, calling it directly: `around` wraps each
 * `decide` (to look at the state before and after it), `check` sees each step.
 */
async function drive(
  o: ConformanceOptions,
  episodes: number[],
  around: (env: Env, decide: () => Decision) => Decision,
  check: (step: StepResult) => void = () => {},
): Promise<void> {
  const { env, player } = await setUp(o);
  const p = player.instance;
  try {
    for (const episode of episodes) {
      let obs = env.reset({ episode });
      const rng = Rng.stream(env.info.seed, "policy", episode - 1);
      p.reset?.({ episode, rng, training: false });
      for (;;) {
        const step = env.step(around(env, () => p.decide(obs)));
        check(step);
        p.observe?.(step);
        if (step.truncated || step.terminated) break;
        obs = step.observation;
      }
    }
  } finally {
    p.dispose?.();
  }
}

/** Registers the suite's tests for one policy. */
export function runPolicyConformance(o: ConformanceOptions): void {
  const skipped = new Map<Check, string>();
  for (const s of o.skip ?? []) for (const t of s.tests) skipped.set(t, s.reason);
  const test = (check: Check, what: string, fn: () => void | Promise<void>) => {
    const reason = skipped.get(check);
    Deno.test({
      name: `conformance [${o.name ?? o.def.id}]: ${what}${reason ? ` (skipped: ${reason})` : ""}`,
      ignore: reason !== undefined,
      fn,
    });
  };

  test("definition", "the definition is well formed", () => {
    assert.match(o.def.id, /^[a-z0-9][a-z0-9-]*$/);
    assert.ok(o.def.description.length > 0);
    assert.equal(typeof o.def.create, "function");
    const { problems } = resolveParams(o.def, {});
    assert.deepEqual(problems, [], "the defaults must pass the policy's own check");
  });

  test("valid-decisions", "every decision of every slot over two episodes is valid", async () => {
    const t = await trace(o, [1, 2]);
    assert.equal(t.length, 12);
    for (const line of t) assert.match(line, /= -?\d/);
  });

  test("deterministic", "same seed, same decisions; another seed, other episodes", async () => {
    const a = await trace(o, [1, 2]);
    const b = await trace(o, [1, 2]);
    assert.deepEqual(a, b);
    const c = await trace(o, [1, 2], 12345);
    assert.notDeepEqual(a, c);
  });

  test(
    "episode-independence",
    "an episode plays the same whether or not others ran before it",
    async () => {
      const both = await trace(o, [1, 2]);
      const second = await trace(o, [2]);
      assert.deepEqual(both.slice(6), second);
    },
  );

  test(
    "reset-restarts",
    "reset before decide: a replayed episode repeats its decisions",
    async () => {
      const t = await trace(o, [1, 2, 1]);
      assert.deepEqual(
        t.slice(12).map((l) => l.slice(l.indexOf(":"))),
        t.slice(0, 6).map((l) => l.slice(l.indexOf(":"))),
      );
    },
  );

  test(
    "observation-unchanged",
    "decide leaves the observation, state and tables as they were",
    async () => {
      await drive(o, [1], (env, decide) => {
        const before = snapshot(env);
        const decision = decide();
        assert.equal(snapshot(env), before, `slot ${env.observation.slot}`);
        return decision;
      });
    },
  );

  test("inactive-vehicles", "vehicles absent from the system are handled", async () => {
    await drive(o, [1, 2], (env, decide) => {
      // CV 2 is out of the system in odd slots (as a SUMO vehicle is outside the trace).
      if (env.observation.slot % 2 === 1) {
        // The engine's state and the policy's copy of it, as a vehicle's absence sets both.
        for (const st of [env.state, env.observation.state]) {
          (st as { cvActive: Uint8Array }).cvActive[1] = 0;
        }
      }
      return decide(); // the step then refuses an invalid decision for an active CV
    }, (step) => {
      for (const d of step.delayS) assert.ok(Number.isFinite(d));
    });
  });

  test(
    "isolated",
    "a policy that vandalises its inputs first changes nothing of this one's",
    async () => {
      const alone = await trace(o, [1, 2]);
      const after = await trace(o, [1, 2], undefined, async (world) => {
        const player = await instantiate(
          { label: "vandal", def: VANDAL, params: {}, plugin: true },
          world,
        );
        playEpisode(new Env(world), player, 1);
      });
      assert.deepEqual(after, alone);
    },
  );

  test("dispose", "dispose frees everything the instance holds", async () => {
    const before = o.tensors?.();
    const t = await trace(o, [1]); // creates, plays and disposes
    assert.equal(t.length, 6);
    if (o.tensors) {
      assert.equal(o.tensors(), before, `live tensors after dispose (before: ${before})`);
    }
  });
}
