/**
 * Experiment text -> validated experiment: YAML with source positions
 * (within the limits of the scenario reader), the profile applied, the
 * schema checked; every problem is `file:line:col: message` with a
 * did-you-mean hint where one helps.
 *
 * @module
 */
import { dirname, resolve } from "node:path";
import { type Document, isMap, isPair, isScalar, isSeq, type Node } from "yaml";
import { didYouMean, type Problem, quote, UserError } from "../../engine/errors.ts";
import { MAX_SCENARIO_BYTES, parseScenarioYaml } from "../../engine/scenario/_yaml.ts";
import { explainIssues, type PathProblem } from "../../engine/scenario/_zod_issues.ts";
import { applyProfile, isMapping } from "./profile.ts";
import { type Experiment, ExperimentSchema } from "./schema.ts";

type Path = (string | number)[];

/** An experiment file, parsed, with its profile applied and validated. */
export interface LoadedExperiment {
  /** The path as given, and its directory (absolute). */
  file: string;
  dir: string;
  /** The profile applied (undefined: the file as written). */
  profile?: string;
  /** The names of the file's profiles. */
  profiles: string[];
  experiment: Experiment;
  /** Locates a path of the (profiled) experiment in the file, in the profile that wrote it. */
  locate(path: Path, atKey?: boolean): Problem;
}

/** Reads the experiment `file` and applies `profile`; throws `UserError` listing every problem. */
export async function loadExperiment(file: string, profile?: string): Promise<LoadedExperiment> {
  let text: string;
  try {
    const info = await Deno.stat(file);
    if (info.size > MAX_SCENARIO_BYTES) {
      throw new UserError([{
        file,
        message: `an experiment file is at most ${MAX_SCENARIO_BYTES / 1024} KiB; this one has ` +
          `${info.size} bytes`,
      }]);
    }
    text = await Deno.readTextFile(file);
  } catch (e) {
    if (e instanceof UserError) throw e;
    const why = e instanceof Deno.errors.NotFound ? "no such file" : (e as Error).message;
    throw new UserError([{ file, message: `cannot read experiment: ${why}` }]);
  }
  return parseExperiment(text, file, profile);
}

/** Validates experiment text; `file` names it in messages and anchors relative paths. */
export function parseExperiment(text: string, file: string, profile?: string): LoadedExperiment {
  const { doc, lineCounter, value } = parseScenarioYaml(text, file);
  const at = (path: Path, atKey = false): Problem => ({
    file,
    ...lineCounter.linePos(offsetOf(doc, path, atKey)),
    message: "",
  });
  if (!isMapping(value)) {
    throw new UserError([{
      file,
      line: 1,
      col: 1,
      message: "an experiment must be a YAML mapping",
    }]);
  }
  const located = (list: PathProblem[], to: (p: PathProblem) => Problem) =>
    list.map(experimentWording).map(to).sort((a, b) =>
      (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0)
    );
  const plain = ExperimentSchema.safeParse(value, { reportInput: true });
  if (!plain.success) {
    const list = explainIssues(ExperimentSchema, plain.error.issues);
    throw new UserError(located(list, (p) => ({ ...at(p.path, p.atKey), message: p.message })));
  }
  const profiles = Object.keys(plain.data.profiles);
  if (profile !== undefined && !profiles.includes(profile)) {
    throw new UserError([{
      ...at(["profiles"], true),
      message: `--profile: unknown profile ${quote(profile)}${didYouMean(profile, profiles)}; ` +
        (profiles.length ? `the file's profiles are ${profiles.join(", ")}` : "the file has none"),
    }]);
  }
  // Every profile must give a valid experiment, not only the one asked for.
  const keys = Object.keys(ExperimentSchema.shape);
  let chosen: { experiment: Experiment; origin: (p: Path) => Path | undefined } | undefined;
  const problems: Problem[] = [];
  for (const name of profiles) {
    const merged = applyProfile(value, name, keys);
    const where = (p: PathProblem): Problem => {
      const own = merged.origin(p.path);
      return { ...at(own ?? p.path, p.atKey), message: `${p.message} (profile ${name})` };
    };
    problems.push(
      ...located(merged.problems, (p) => ({ ...at(p.path, p.atKey), message: p.message })),
    );
    if (merged.problems.length > 0) continue;
    const parsed = ExperimentSchema.safeParse(merged.value, { reportInput: true });
    if (!parsed.success) {
      problems.push(...located(explainIssues(ExperimentSchema, parsed.error.issues), where));
    } else if (name === profile) {
      chosen = { experiment: parsed.data, origin: merged.origin };
    }
  }
  if (problems.length > 0) throw new UserError(problems);
  const origin = chosen?.origin ?? (() => undefined);
  return {
    file,
    dir: dirname(resolve(file)),
    profile,
    profiles,
    experiment: chosen?.experiment ?? plain.data,
    locate: (path, atKey = false) => at(origin(path) ?? path, atKey),
  };
}

/** The scenario messages' wording for the document's root, as an experiment's. */
function experimentWording(p: PathProblem): PathProblem {
  return { ...p, message: p.message.replace(/ in scenario\b/, " in the experiment") };
}

/** Offset of the deepest node of `doc` along `path` (the key itself when `atKey`). */
function offsetOf(doc: Document.Parsed, path: Path, atKey: boolean): number {
  let node = doc.contents as Node | null;
  let offset = node?.range?.[0] ?? 0;
  for (let i = 0; i < path.length && node; i++) {
    let next: Node | undefined;
    if (isMap(node)) {
      const pair = node.items.find((p) =>
        isPair(p) && isScalar(p.key) && String(p.key.value) === String(path[i])
      );
      if (!pair) break;
      const key = pair.key as Node;
      if (atKey && i === path.length - 1) return key.range?.[0] ?? offset;
      next = (pair.value as Node | null) ?? key;
    } else if (isSeq(node) && typeof path[i] === "number") {
      next = node.items[path[i] as number] as Node | undefined;
    }
    if (!next) break;
    node = next;
    offset = node.range?.[0] ?? offset;
  }
  return offset;
}
