/**
 * A grid point's scenario: the base scenario's YAML data with the
 * experiment's `set:` keys and the point's keys written into it, validated
 * like a scenario file. A problem caused by a value of the experiment is
 * reported at that value in the experiment file; one of the base scenario,
 * in the base file.
 *
 * @module
 */
import { dirname, isAbsolute, join } from "node:path";
import { stringify } from "yaml";
import { explainIssues, type PathProblem } from "../../../engine/config/issues.ts";
import { parseConfigYaml, readConfigText } from "../../../engine/config/yaml.ts";
import { type Problem, shorten, UserError } from "../../../engine/errors.ts";
import { checkScenario } from "../../../engine/scenario/check.ts";
import { type LoadedScenario, parseScenario } from "../../../engine/scenario/load.ts";
import { type Scenario, ScenarioSchema } from "../../../engine/scenario/schema.ts";
import { canonicalJson } from "../../../engine/scenario/hash.ts";
import { keyTarget, setPath } from "./keys.ts";
import type { LoadedExperiment } from "./load.ts";

/** The base scenario of an experiment. */
export interface BaseScenario {
  /** The path as messages name it (relative to the working directory when the experiment's is). */
  file: string;
  /** Its YAML data, `output` removed (cells write no run folders). */
  raw: Record<string, unknown>;
  loaded: LoadedScenario;
}

/** Reads and validates the experiment's base scenario. */
export async function loadBase(x: LoadedExperiment): Promise<BaseScenario> {
  // An absolute base is taken as it is; a relative one is relative to the experiment file (and
  // stays relative to the working directory, as messages and the resolved scenario name it).
  const base = x.experiment.base;
  const file = isAbsolute(base) ? base : join(dirname(x.file), base);
  let text: string;
  try {
    text = await readConfigText(file);
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    throw new UserError(e.problems.map((p) => ({ ...x.locate(["base"]), message: p.message })));
  }
  const loaded = parseScenario(text, file);
  const raw = structuredClone(parseConfigYaml(text, file).value) as Record<string, unknown>;
  delete raw.output;
  return { file, raw, loaded };
}

/** One key written into the scenario, and where the experiment wrote its value. */
export interface Assignment {
  key: string;
  value: unknown;
  /** The value's path in the experiment document. */
  at: (string | number)[];
}

/** A grid point's scenario data and its validated form. */
export interface PointScenario {
  raw: Record<string, unknown>;
  resolved: Scenario;
}

/**
 * The base with `assignments` written in (policy keys skipped), validated;
 * the problems, located, when it is not valid.
 */
export function pointScenario(
  base: BaseScenario,
  x: LoadedExperiment,
  assignments: readonly Assignment[],
): PointScenario | Problem[] {
  const raw = structuredClone(base.raw);
  const written: { path: string[]; a: Assignment }[] = [];
  for (const a of assignments) {
    const t = keyTarget(a.key);
    if (t.kind !== "scenario") continue;
    setPath(raw, t.path, a.value);
    written.push({ path: t.path, a });
  }
  // The experiment sets the policy of each cell; a placeholder keeps the base's out of the check.
  const probe = { ...raw, policy: "greedy" };
  const parsed = ScenarioSchema.safeParse(probe, { reportInput: true });
  const list = parsed.success
    ? checkScenario(parsed.data)
    : explainIssues(ScenarioSchema, parsed.error.issues, { documentName: "scenario" });
  if (parsed.success && list.length === 0) return { raw, resolved: parsed.data };
  return list.map((p) => locateProblem(p, written, base, x));
}

const related = (a: readonly (string | number)[], b: readonly (string | number)[]) =>
  a.slice(0, Math.min(a.length, b.length)).every((s, i) => String(s) === String(b[i]));

/** A scenario problem at the experiment value that caused it, else in the base file. */
function locateProblem(
  p: PathProblem,
  written: { path: string[]; a: Assignment }[],
  base: BaseScenario,
  x: LoadedExperiment,
): Problem {
  let best: { path: string[]; a: Assignment } | undefined;
  for (const w of written) {
    if (related(w.path, p.path) && (!best || w.path.length > best.path.length)) best = w;
  }
  if (best) {
    const shown = shorten(canonicalJson(best.a.value), 60);
    return { ...x.locate(best.a.at), message: `${best.a.key} = ${shown}: ${p.message}` };
  }
  const point = written.map((w) => `${w.a.key} = ${shorten(canonicalJson(w.a.value), 40)}`);
  return {
    ...base.loaded.locate(p.path, p.atKey),
    message: p.message + (point.length ? ` (with ${point.join(", ")})` : ""),
  };
}

/** A cell's runnable scenario: the point's data with the cell's policy and seed. */
export function cellScenario(
  base: BaseScenario,
  raw: Record<string, unknown>,
  locate: LoadedScenario["locate"],
): LoadedScenario {
  const loaded = parseScenario(stringify(raw), base.file);
  // Later problems (a policy, its checkpoint) are the experiment's: place them there.
  return { ...loaded, locate };
}
