/**
 * Experiment text -> validated experiment: YAML with source positions
 * (within the limits of the scenario reader), the profile applied, the
 * schema checked; every problem is `file:line:col: message` with a
 * did-you-mean hint where one helps.
 *
 * @module
 */
import { dirname, resolve } from "node:path";
import {
  explainIssues,
  type ExplainOptions,
  type PathProblem,
} from "../../../engine/config/issues.ts";
import { locatePath } from "../../../engine/config/locate.ts";
import { MAX_CONFIG_BYTES, parseConfigYaml } from "../../../engine/config/yaml.ts";
import { didYouMean, type Problem, quote, UserError } from "../../../engine/errors.ts";
import { applyProfile, isMapping } from "./profile.ts";
import { type Experiment, ExperimentSchema } from "./schema.ts";

type Path = (string | number)[];

/** Messages name the document's root "the experiment": `unknown key "x" in the experiment`. */
const WORDING: ExplainOptions = { documentName: "the experiment" };

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
    if (info.size > MAX_CONFIG_BYTES) {
      throw new UserError([{
        file,
        message: `an experiment file is at most ${MAX_CONFIG_BYTES / 1024} KiB; this one has ` +
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
  const yaml = parseConfigYaml(text, file);
  const value = yaml.value;
  const at = (path: Path, atKey = false): Problem => ({
    ...locatePath(yaml, path, atKey),
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
    list.map(to).sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0));
  const plain = ExperimentSchema.safeParse(value, { reportInput: true });
  if (!plain.success) {
    const list = explainIssues(ExperimentSchema, plain.error.issues, WORDING);
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
      problems.push(
        ...located(explainIssues(ExperimentSchema, parsed.error.issues, WORDING), where),
      );
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
