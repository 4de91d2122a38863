/**
 * Experiment -> manifest of cells. A cell is one grid point x policy x
 * seed: a train cell per train seed for a policy with a `train:` block
 * (after an expert cell that records its pre-training data, with
 * `pretrain:`), and an evaluation cell per eval seed (per train seed x eval
 * seed for a trained policy, which then depends on its train cell). The
 * run order is expert cells, train cells, evaluation cells. Each cell is
 * named by the content hash of what determines it (`hash.ts`); cells of
 * equal content are one cell.
 *
 * @module
 */
import { formatProblem, type Problem, UserError } from "../../../engine/errors.ts";
import { scenarioHash } from "../../../engine/scenario/hash.ts";
import type { Scenario } from "../../../engine/scenario/schema.ts";
import { VERSION } from "../../../engine/version.ts";
import { resolveParams } from "../../../host/params.ts";
import type { PolicyRegistry } from "../../../host/registry.ts";
import { checkFigures, checkSeeds } from "./check.ts";
import { buildGrid, type Grid, type GridPoint } from "./grid.ts";
import { hashOf } from "./hash.ts";
import type { LoadedExperiment } from "./load.ts";
import {
  type ExperimentPolicy,
  pointParams,
  resolveExperimentPolicies,
  type TrainSettings,
} from "./policies.ts";
import { entryLabel } from "./profile.ts";
import { type BaseScenario, loadBase, type PointScenario, pointScenario } from "./scenario.ts";

/** The `format` of cell files. */
export const CELL_FORMAT = "vecscene-cell/1";

/** A cell's kind. */
export type CellKind = "expert" | "train" | "eval";

/** One cell as the manifest lists it. */
export interface CellEntry {
  hash: string;
  kind: CellKind;
  point: Record<string, unknown>;
  policy: { label: string; id: string; params: Record<string, unknown> };
  seeds: { train: number | null; eval: number | null };
  deps: string[];
}

/** A cell with what it takes to run it. */
export interface Cell extends CellEntry {
  /** The scenario data to run (policy, seed and episodes written in). */
  scenario: Record<string, unknown>;
  /** Where the experiment names the cell's policy (later problems are placed there). */
  at: (string | number)[];
  /** Evaluation episodes (eval cells) or expert episodes (expert cells). */
  episodes?: number;
  /** Training settings, validation seeds resolved (train cells). */
  train?: TrainSettings & { validation: { seeds: number[] } };
  /** A fixed checkpoint folder (eval cells of a policy with `checkpoint:`). */
  checkpoint?: string;
}

/** An experiment expanded. */
export interface Expansion {
  loaded: LoadedExperiment;
  base: BaseScenario;
  grid: Grid;
  policies: ExperimentPolicy[];
  cells: Cell[];
}

/** The manifest's view of a cell. */
export function entryOf(c: Cell): CellEntry {
  const { hash, kind, point, policy, seeds, deps } = c;
  return { hash, kind, point, policy, seeds, deps };
}

/**
 * Expands `loaded` into its cells; throws `UserError` listing every problem,
 * located. `trust` (`--trust-plugins`) lets Python policies be loaded, as
 * `sandbox.trustPlugins: true` of the base scenario or of `set:` does.
 */
export async function expand(
  loaded: LoadedExperiment,
  registry: PolicyRegistry,
  version: string = VERSION,
  trust = false,
): Promise<Expansion> {
  const problems: Problem[] = [];
  let base: BaseScenario | undefined;
  let baseProblems: Problem[] = [];
  try {
    base = await loadBase(loaded);
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    baseProblems = e.problems;
  }
  const sandbox = sandboxOf(loaded, base, trust);
  const policies = await resolveExperimentPolicies(loaded, registry, problems, sandbox);
  const params = new Map<string, string[] | null>(
    loaded.experiment.policies.map((e) => [entryLabel(e) ?? "", null]),
  );
  for (const p of policies) params.set(p.label, Object.keys(p.def.defaults));
  const grid = buildGrid(loaded, params, problems);
  problems.push(...checkSeeds(loaded, policies), ...checkFigures(loaded, grid, policies));
  if (!base) throw new UserError(unique([...problems, ...baseProblems]));
  if (problems.length > 0) throw new UserError(unique(problems));
  const scenarios: PointScenario[] = [];
  for (const point of grid.points) {
    const s = pointScenario(base, loaded, [...grid.set, ...point.assignments]);
    if (Array.isArray(s)) problems.push(...s);
    else scenarios.push(s);
    problems.push(...paramProblems(loaded, policies, grid, point));
  }
  if (problems.length > 0) throw new UserError(unique(problems));
  const byKind: Record<CellKind, Cell[]> = { expert: [], train: [], eval: [] };
  for (const [i, point] of grid.points.entries()) {
    const world = scenarioHash({ ...base.loaded, scenario: scenarios[i].resolved });
    for (const policy of policies) {
      if (point.without.has(policy.label)) continue;
      const at = { loaded, grid, point, scenario: scenarios[i], world, version };
      for (const c of cellsOf(at, policy)) byKind[c.kind].push(c);
    }
  }
  const cells = new Map<string, Cell>();
  for (const c of [...byKind.expert, ...byKind.train, ...byKind.eval]) {
    if (!cells.has(c.hash)) cells.set(c.hash, c);
  }
  return { loaded, base, grid, policies, cells: [...cells.values()] };
}

/**
 * How the experiment's Python policies may be loaded while planning: with
 * trust from the flag, else from `set:` or the base scenario, and the base's
 * (or `set:`'s) load time limit.
 */
function sandboxOf(
  loaded: LoadedExperiment,
  base: BaseScenario | undefined,
  trust: boolean,
): { trust: boolean; loadTimeoutMs?: number } {
  const set = loaded.experiment.set;
  const own = base?.loaded.scenario.sandbox;
  const trusted = set["sandbox.trustPlugins"] ?? own?.trustPlugins;
  const limit = set["sandbox.loadTimeoutMs"] ?? own?.loadTimeoutMs;
  return {
    trust: trust || trusted === true,
    loadTimeoutMs: typeof limit === "number" ? limit : undefined,
  };
}

/** Problems in file order, each once (a bad value of one axis shows at every point). */
function unique(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  const once = problems.filter((p) => !seen.has(formatProblem(p)) && seen.add(formatProblem(p)));
  const key = (p: Problem) => [p.file ?? "", p.line ?? 0, p.col ?? 0] as const;
  return once.sort((a, b) => {
    const [fa, la, ca] = key(a);
    const [fb, lb, cb] = key(b);
    return fa < fb ? -1 : fa > fb ? 1 : la - lb || ca - cb;
  });
}

/** Parameters the point's `policy.<label>.*` keys give that the policy refuses. */
function paramProblems(
  loaded: LoadedExperiment,
  policies: ExperimentPolicy[],
  grid: Grid,
  point: GridPoint,
): Problem[] {
  const all = [...grid.set, ...point.assignments];
  const out: Problem[] = [];
  for (const policy of policies) {
    const { given } = pointParams(policy, new Map(all.map((a) => [a.key, a.value])));
    for (const b of resolveParams(policy.def, given).problems) {
      const a = all.find((a) => a.key === `policy.${policy.label}.${b.key}`);
      out.push({ ...loaded.locate(a?.at ?? ["policies", policy.index]), message: b.message });
    }
  }
  return out;
}

/** What the cells of one grid point share. */
interface PointContext {
  loaded: LoadedExperiment;
  grid: Grid;
  point: GridPoint;
  scenario: PointScenario;
  /** The world's hash (engine/scenario/hash.ts: the trace's bytes included). */
  world: string;
  version: string;
}

/** A policy as a cell runs it: how the scenario names it, and its parameters. */
interface Runner {
  use: string;
  id: string;
  label: string;
  given: Record<string, unknown>;
  resolved: Record<string, unknown>;
  code?: string;
}

/** The expert, train and evaluation cells of one policy at one point. */
function cellsOf(ctx: PointContext, policy: ExperimentPolicy): Cell[] {
  const x = ctx.loaded.experiment;
  const all = [...ctx.grid.set, ...ctx.point.assignments];
  const { given, resolved } = pointParams(policy, new Map(all.map((a) => [a.key, a.value])));
  const self: Runner = {
    use: policy.use,
    id: policy.def.id,
    label: policy.label,
    given,
    resolved,
    code: policy.code,
  };
  // A policy's point leaves out the other policies' parameters: they do not change its cells.
  const mine = (a: { key: string }) =>
    !a.key.startsWith("policy.") || a.key.startsWith(`policy.${policy.label}.`);
  const point = Object.fromEntries(ctx.point.assignments.filter(mine).map((a) => [a.key, a.value]));
  const at = ["policies", policy.index];
  const make = (
    kind: CellKind,
    who: Runner,
    seeds: CellEntry["seeds"],
    deps: string[],
    extra: Record<string, unknown>,
    cellPoint = point,
  ) => {
    const seed = (seeds.eval ?? seeds.train)!;
    const episodes = extra.episodes as number | undefined;
    const hash = hashOf({
      format: CELL_FORMAT,
      version: ctx.version,
      kind,
      point: cellPoint,
      policy: { label: who.label, id: who.id, params: who.resolved, code: who.code },
      scenario: hashedScenario(
        ctx.scenario.resolved,
        who,
        seed,
        kind === "eval" ? episodes : undefined,
      ),
      world: ctx.world,
      seeds,
      deps,
      ...extra,
    });
    return {
      hash,
      kind,
      point: cellPoint,
      policy: { label: who.label, id: who.id, params: who.given },
      seeds,
      deps,
      at,
      scenario: runnable(ctx.scenario.raw, who, seed, kind === "eval" ? episodes : undefined),
    };
  };
  const evalCell = (train: number | null, seed: number, deps: string[]): Cell => ({
    ...make("eval", self, { train, eval: seed }, deps, {
      episodes: x.evaluate.episodes,
      checkpoint: policy.checkpoint?.digest,
    }),
    episodes: x.evaluate.episodes,
    checkpoint: policy.checkpoint?.dir,
  });
  if (!policy.train) return x.seeds.eval.map((seed) => evalCell(null, seed, []));

  const cells: Cell[] = [];
  const t = policy.train;
  const pre = t.pretrain;
  for (const seed of x.seeds.train) {
    const deps: string[] = [];
    if (pre) {
      const expert: Runner = {
        use: pre.def.id,
        id: pre.def.id,
        label: pre.def.id,
        given: pre.params,
        resolved: pre.resolved,
      };
      // The expert's data do not depend on the learner's parameters.
      const plain = Object.fromEntries(
        ctx.point.assignments.filter((a) => !a.key.startsWith("policy.")).map((
          a,
        ) => [a.key, a.value]),
      );
      const seeds = { train: seed, eval: null };
      const e = make("expert", expert, seeds, [], { episodes: pre.episodes }, plain);
      cells.push({ ...e, at: [...at, "train", "pretrain"], episodes: pre.episodes });
      deps.push(e.hash);
    }
    const train = { ...t, validation: { ...t.validation, seeds: t.validation.seeds ?? [seed] } };
    const { checkpointEvery: _, pretrain: __, ...determining } = train;
    const made = make("train", self, { train: seed, eval: null }, deps, {
      train: { ...determining, pretrain: pre ? { episodes: pre.episodes } : undefined },
    });
    cells.push({ ...made, train });
    for (const e of x.seeds.eval) cells.push(evalCell(seed, e, [made.hash]));
  }
  return cells;
}

/** The scenario data a cell runs: the point's, with its policy, seed and episodes. */
function runnable(
  raw: Record<string, unknown>,
  who: Runner,
  seed: number,
  episodes?: number,
): Record<string, unknown> {
  const time = { ...(raw.time as Record<string, unknown> | undefined) };
  if (episodes !== undefined) time.episodes = episodes;
  return { ...raw, seed, time, policy: { use: who.use, label: who.label, params: who.given } };
}

/** The resolved scenario as hashed: a plugin by id (its code has its own digest). */
function hashedScenario(
  resolved: Scenario,
  who: Runner,
  seed: number,
  episodes?: number,
): Record<string, unknown> {
  const { episodes: _, ...time } = resolved.time;
  return {
    ...resolved,
    output: undefined,
    seed,
    time: episodes === undefined ? time : { ...time, episodes },
    policy: { use: who.id, label: who.label, params: who.given },
  };
}
