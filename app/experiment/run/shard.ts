/**
 * Shards: `--shard I/N` runs a deterministic slice of the cells, so that N
 * tasks of a job array (`SLURM_ARRAY_TASK_ID` / `SLURM_ARRAY_TASK_COUNT`)
 * cover the experiment. Cells that depend on each other (an expert, the
 * train cell that pre-trains on it and the evaluations of its weights) stay
 * in one shard; these groups are dealt to the shards largest first, each to
 * the least loaded one, by an estimate of their work (slots played, a
 * training slot counting as {@linkcode TRAIN_SLOT_COST} evaluation slots).
 * The slice depends on the manifest alone.
 *
 * @module
 */
import { UserError } from "../../../engine/errors.ts";
import type { Cell } from "../plan/expand.ts";

/** A slice of the cells: 1-based `index` of `count`. */
export interface Shard {
  index: number;
  count: number;
}

/** How much more a training slot costs than an evaluation slot (an update per slot). */
export const TRAIN_SLOT_COST = 20;

/** Parses `I/N` (1 <= I <= N); throws `UserError` naming `what`. */
export function parseShard(text: string, what = "--shard"): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count || count > 100_000) {
    throw new UserError(
      `${what}: expected I/N with 1 <= I <= N (e.g. 2/4), got ${JSON.stringify(text)}`,
    );
  }
  return { index, count };
}

/**
 * The shard a Slurm job array task runs, from `SLURM_ARRAY_TASK_ID`
 * (offset by `SLURM_ARRAY_TASK_MIN`, so `--array=0-3` and `--array=1-4`
 * both give shards 1/4..4/4) and `SLURM_ARRAY_TASK_COUNT`; undefined
 * outside an array.
 */
export function shardFromEnv(env: (name: string) => string | undefined): Shard | undefined {
  const id = env("SLURM_ARRAY_TASK_ID");
  const count = env("SLURM_ARRAY_TASK_COUNT");
  if (id === undefined || count === undefined) return undefined;
  const min = env("SLURM_ARRAY_TASK_MIN") ?? "1";
  const index = Number(id) - Number(min) + 1;
  return parseShard(`${index}/${count}`, "SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT");
}

/** The estimated work of a cell, in evaluation slots. */
export function cellCost(c: Cell): number {
  const slots = (c.scenario.time as { slots?: number } | undefined)?.slots ?? 30;
  if (c.kind === "train") return (c.train?.episodes ?? 1) * slots * TRAIN_SLOT_COST;
  return (c.episodes ?? 1) * slots;
}

/** The shard (1-based) of every cell, by hash. */
export function assignShards(cells: readonly Cell[], count: number): Map<string, number> {
  // Groups: cells joined by dependencies (union-find over the manifest).
  const parent = new Map(cells.map((c) => [c.hash, c.hash]));
  const find = (h: string): string => {
    let r = h;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(h, r);
    return r;
  };
  for (const c of cells) {
    for (const d of c.deps) if (parent.has(d)) parent.set(find(c.hash), find(d));
  }
  const groups = new Map<string, { first: number; cost: number; hashes: string[] }>();
  cells.forEach((c, i) => {
    const root = find(c.hash);
    const g = groups.get(root) ?? { first: i, cost: 0, hashes: [] };
    g.cost += cellCost(c);
    g.hashes.push(c.hash);
    groups.set(root, g);
  });
  const order = [...groups.values()].sort((a, b) => b.cost - a.cost || a.first - b.first);
  const load = new Array<number>(count).fill(0);
  const out = new Map<string, number>();
  for (const g of order) {
    let best = 0;
    for (let s = 1; s < count; s++) if (load[s] < load[best]) best = s;
    load[best] += g.cost;
    for (const h of g.hashes) out.set(h, best + 1);
  }
  return out;
}
