/**
 * The genetic-algorithm baseline (MODEL.md section 3, A22): per slot,
 * chromosomes hold every CV's (phi, node) gene; tournament selection,
 * one-point crossover, per-gene mutation to a random feasible gene, and
 * elitism; fitness is the per-slot objective (34) with the RSU allocation
 * of (51)-(53).
 *
 * @module
 */
import type { Rng } from "../engine/rng.ts";
import { definePolicy, type Observation, outside } from "../engine/sim/policy.ts";

/** Default GA settings (A22): the paper's (`preset: paper`). */
export const geneticDefaults = {
  preset: "paper",
  population: 20,
  generations: 50,
  crossover: 0.8,
  mutation: 0.1,
  elitism: 1,
  tournament: 2,
};

export const genetic = definePolicy({
  id: "genetic",
  description:
    "Per-slot genetic algorithm over all CVs' (phi, node) genes; fitness = objective (34).",
  defaults: geneticDefaults,
  presets: {
    paper: { population: 20, generations: 50 },
    /**
     * The per-slot reference: a GA run to convergence (100 x 200 scores as
     * well as 200 x 600 on the highway), the ceiling of per-slot
     * optimisation under this model; about 15 times the paper GA's time per
     * slot (`deno task bench --only genetic.`, docs/RESULTS.md).
     */
    converged: { population: 100, generations: 200 },
  },
  check: (p) => ({
    population: outside(p.population, 2, 10_000, true),
    generations: outside(p.generations, 0, 100_000, true),
    crossover: outside(p.crossover, 0, 1),
    mutation: outside(p.mutation, 0, 1),
    elitism: outside(p.elitism, 0, p.population - 1, true),
    tournament: outside(p.tournament, 1, p.population, true),
  }),
  create(p, { info }) {
    const I = info.cvCount;
    const P = p.population;
    const { crossover, mutation, elitism, tournament: size } = p;
    // Population and offspring as flat gene arrays with per-individual views.
    const make = () => {
      const phi = new Int32Array(P * I);
      const node = new Int32Array(P * I);
      const views = Array.from({ length: P }, (_, k) => ({
        partition: phi.subarray(k * I, (k + 1) * I),
        target: node.subarray(k * I, (k + 1) * I),
      }));
      return { phi, node, views, fit: new Float64Array(P) };
    };
    let cur = make();
    let next = make();
    const order = new Int32Array(P);
    const best = { partition: new Int32Array(I), target: new Int32Array(I) };
    let rng: Rng | undefined;
    // Every CV's feasible nodes this slot (obs.nodes(i) reuses its array): flat, with offsets.
    let nodes = new Int32Array(0);
    const nodesFrom = new Int32Array(I + 1);
    const layers = new Int32Array(I);

    const randomGene = (i: number, g: { phi: Int32Array; node: Int32Array }, at: number) => {
      const r = rng!;
      g.phi[at] = 1 + r.int(layers[i] + 1);
      const n = nodesFrom[i + 1] - nodesFrom[i];
      g.node[at] = n > 0 ? nodes[nodesFrom[i] + r.int(n)] : 0;
    };
    const tournament = (fit: Float64Array): number => {
      const r = rng!;
      let winner = r.int(P);
      for (let k = 1; k < size; k++) {
        const c = r.int(P);
        if (fit[c] < fit[winner]) winner = c;
      }
      return winner;
    };

    return {
      reset(ctx) {
        rng = ctx.rng;
      },
      decide(obs: Observation) {
        if (!rng) throw new Error("genetic: reset() must be called before decide()");
        const r = rng;
        for (let i = 0; i < I; i++) {
          layers[i] = obs.table(i).L;
          nodesFrom[i + 1] = nodesFrom[i] + obs.nodes(i).length;
        }
        if (nodes.length < nodesFrom[I]) nodes = new Int32Array(nodesFrom[I]);
        for (let i = 0; i < I; i++) nodes.set(obs.nodes(i), nodesFrom[i]);
        for (let k = 0; k < P; k++) {
          for (let i = 0; i < I; i++) randomGene(i, cur, k * I + i);
          cur.fit[k] = obs.evaluate(cur.views[k]);
        }
        for (let gen = 0; gen < p.generations; gen++) {
          // Elites survive unchanged (fitness kept).
          fittest(cur.fit, elitism, order);
          for (let e = 0; e < elitism; e++) {
            next.phi.set(cur.views[order[e]].partition, e * I);
            next.node.set(cur.views[order[e]].target, e * I);
            next.fit[e] = cur.fit[order[e]];
          }
          const [phi, node, fit] = [cur.phi, cur.node, cur.fit];
          const [childPhi, childNode] = [next.phi, next.node];
          for (let k = elitism; k < P; k++) {
            const a = tournament(fit);
            const b = tournament(fit);
            const cutAt = r.next() < crossover && I > 1 ? 1 + r.int(I - 1) : I;
            // A child equal to a parent (common once the population converges) keeps its
            // fitness: the objective is a pure function of the decision within the slot.
            let sameA = true, sameB = true;
            for (let i = 0; i < I; i++) {
              const from = i < cutAt ? a : b;
              const g = k * I + i;
              childPhi[g] = phi[from * I + i];
              childNode[g] = node[from * I + i];
              if (r.next() < mutation) randomGene(i, next, g);
              sameA &&= childPhi[g] === phi[a * I + i] && childNode[g] === node[a * I + i];
              sameB &&= childPhi[g] === phi[b * I + i] && childNode[g] === node[b * I + i];
            }
            next.fit[k] = sameA ? fit[a] : sameB ? fit[b] : obs.evaluate(next.views[k]);
          }
          [cur, next] = [next, cur];
        }
        let arg = 0;
        for (let k = 1; k < P; k++) if (cur.fit[k] < cur.fit[arg]) arg = k;
        best.partition.set(cur.views[arg].partition);
        best.target.set(cur.views[arg].target);
        return best;
      },
    };
  },
});

/**
 * The indices of the `count` lowest fitnesses into `order`, ascending by
 * fitness, ties to the lower index (the order a full sort by (fitness,
 * index) gives): a selection pass per elite, since elites are few.
 */
function fittest(fit: Float64Array, count: number, order: Int32Array) {
  const P = fit.length;
  if (count > 8) {
    for (let k = 0; k < P; k++) order[k] = k;
    order.sort((a, b) => fit[a] - fit[b] || a - b);
    return;
  }
  for (let e = 0; e < count; e++) {
    let arg = -1;
    for (let k = 0; k < P; k++) {
      if (taken(order, e, k)) continue;
      if (arg < 0 || fit[k] < fit[arg]) arg = k;
    }
    order[e] = arg;
  }
}

function taken(order: Int32Array, e: number, k: number): boolean {
  for (let j = 0; j < e; j++) if (order[j] === k) return true;
  return false;
}
