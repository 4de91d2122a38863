/**
 * The genetic algorithm (MODEL.md A22) decides exactly as the algorithm
 * written plainly: every chromosome scored by (34), the population sorted
 * by fitness for the elites, the nodes asked of the observation at every
 * mutation. The policy skips the scores of children equal to a parent and
 * selects elites without a sort; the same random draws must then give the
 * same decisions, slot after slot, under every setting that takes a
 * different path.
 */
import assert from "node:assert/strict";
import { genetic, geneticDefaults } from "../../policies/genetic.ts";
import { Rng } from "../../engine/rng.ts";
import type { Observation } from "../../engine/sim/observation.ts";
import { Env } from "../../engine/sim/env.ts";
import { worldOf } from "../_helpers/mod.ts";

type Settings = typeof geneticDefaults;

/** The GA of A22 step by step, with no shortcut. */
function plainGenetic(p: Settings, obs: Observation, r: Rng) {
  const I = obs.cvCount, P = p.population;
  const gene = (): [number[], number[]] => [[], []];
  const randomGene = (c: [number[], number[]], i: number) => {
    c[0][i] = 1 + r.int(obs.table(i).L + 1);
    const nodes = obs.nodes(i);
    c[1][i] = nodes.length > 0 ? nodes[r.int(nodes.length)] : 0;
  };
  const score = (c: [number[], number[]]) => obs.evaluate({ partition: c[0], target: c[1] });
  let pop = Array.from({ length: P }, () => {
    const c = gene();
    for (let i = 0; i < I; i++) randomGene(c, i);
    return c;
  });
  let fit = pop.map(score);
  const tournament = () => {
    let w = r.int(P);
    for (let k = 1; k < p.tournament; k++) {
      const c = r.int(P);
      if (fit[c] < fit[w]) w = c;
    }
    return w;
  };
  for (let g = 0; g < p.generations; g++) {
    const order = [...pop.keys()].sort((a, b) => fit[a] - fit[b] || a - b);
    const next = order.slice(0, p.elitism).map((e) => pop[e]);
    const nextFit = order.slice(0, p.elitism).map((e) => fit[e]);
    for (let k = p.elitism; k < P; k++) {
      const a = tournament(), b = tournament();
      const cut = r.next() < p.crossover && I > 1 ? 1 + r.int(I - 1) : I;
      const c = gene();
      for (let i = 0; i < I; i++) {
        const from = pop[i < cut ? a : b];
        [c[0][i], c[1][i]] = [from[0][i], from[1][i]];
        if (r.next() < p.mutation) randomGene(c, i);
      }
      next.push(c);
      nextFit.push(score(c));
    }
    [pop, fit] = [next, nextFit];
  }
  let arg = 0;
  for (let k = 1; k < P; k++) if (fit[k] < fit[arg]) arg = k;
  return pop[arg];
}

const SCENARIO = [
  "name: ga",
  "seed: 4",
  "time: { slots: 5 }",
  "vehicles: { clients: { count: 5 }, services: { count: 3 } }",
  "mobility: { kind: highway, startM: [-400, -250] }",
  "policy: genetic",
].join("\n");

const SETTINGS: Partial<Settings>[] = [
  { population: 30, generations: 40 }, // converges: many children equal a parent
  { population: 12, generations: 10, elitism: 10 }, // more elites than the selection pass takes
  { population: 16, generations: 12, elitism: 0, tournament: 3 },
  { population: 10, generations: 8, mutation: 0, crossover: 1 },
  { population: 10, generations: 8, mutation: 1 },
  { population: 8, generations: 30, elitism: 3 }, // ties: copies and node genes of local runs
];

Deno.test("genetic decides as the plain GA, slot by slot, under every setting", async () => {
  const world = worldOf(SCENARIO);
  for (const given of SETTINGS) {
    const p = { ...geneticDefaults, ...given };
    const policy = await genetic.create(p, { info: world.info, label: "genetic" });
    const env = new Env(world);
    let obs = env.reset({ episode: 1 });
    const rng = Rng.stream(4, "ga-test");
    const twin = Rng.fromState(rng.state);
    policy.reset?.({ episode: 1, rng, training: false });
    for (let slot = 1; slot <= 5; slot++) {
      const want = plainGenetic(p, obs, twin);
      const got = policy.decide(obs);
      assert.deepEqual(
        [Array.from(got.partition), Array.from(got.target)],
        want,
        `${JSON.stringify(given)}, slot ${slot}`,
      );
      assert.deepEqual(rng.state, twin.state, "the same random draws");
      obs = env.step(got).observation;
    }
  }
});
