/**
 * Scenario text -> validated config. Parses YAML keeping source positions
 * (within the resource limits of `engine/config/yaml.ts`), validates with the schema, runs
 * the semantic checks, and reports every problem as `file:line:col: message`.
 *
 * @module
 */
import { dirname, resolve } from "node:path";
import { explainIssues, type PathProblem } from "../config/issues.ts";
import { locatePath } from "../config/locate.ts";
import { parseConfigYaml, readConfigText } from "../config/yaml.ts";
import { type Problem, UserError } from "../errors.ts";
import { checkScenario } from "./check.ts";
import { normaliseRsus } from "./rsus.ts";
import { type Scenario, ScenarioSchema } from "./schema.ts";

/** A scenario file, parsed and validated. */
export interface LoadedScenario {
  /** The path as given and its directory (absolute). */
  file: string;
  baseDir: string;
  scenario: Scenario;
  /** Locates a path of the document, for later (policy, trace) problems. */
  locate(path: readonly (string | number)[], atKey?: boolean): Problem;
}

/** Reads and validates a scenario file; throws `UserError` listing every problem. */
export async function loadScenario(file: string): Promise<LoadedScenario> {
  return parseScenario(await readConfigText(file), file);
}

/** Validates scenario text; `file` names it in messages and anchors relative paths. */
export function parseScenario(text: string, file: string): LoadedScenario {
  const yaml = parseConfigYaml(text, file);
  const raw = yaml.value;
  const locate = (path: readonly (string | number)[], atKey = false): Problem => ({
    ...locatePath(yaml, path, atKey),
    message: "",
  });
  const toProblem = (p: PathProblem): Problem => ({
    ...locate(p.path, p.atKey),
    message: p.message,
  });
  const fail = (list: PathProblem[]) => {
    const problems = list.map(toProblem);
    problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0));
    return new UserError(problems);
  };

  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new UserError([{ file, line: 1, col: 1, message: "a scenario must be a YAML mapping" }]);
  }
  const parsed = ScenarioSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    throw fail(explainIssues(ScenarioSchema, parsed.error.issues, { documentName: "scenario" }));
  }
  const given = { rsu: "rsu" in raw, rsus: "rsus" in raw };
  const normal = normaliseRsus(parsed.data, given);
  if (normal.problems.length > 0) throw fail(normal.problems);
  // A rewritten scenario (one RSU given as `rsus:`) goes through the schema again, so that it
  // is the very object `rsu:` gives, key order included (MODEL.md A31).
  const scenario = normal.scenario === parsed.data
    ? parsed.data
    : ScenarioSchema.parse(normal.scenario);
  const problems = checkScenario(scenario);
  if (problems.length > 0) throw fail(problems);
  return { file, baseDir: dirname(resolve(file)), scenario, locate };
}
