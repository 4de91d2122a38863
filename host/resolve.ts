/**
 * Scenario policy references -> policy definitions with merged params.
 *
 * @module
 */
import { resolve } from "node:path";
import { didYouMean, type Problem, quote, UserError } from "../engine/errors.ts";
import type { LoadedScenario } from "../engine/scenario/load.ts";
import type { Params, PolicyDefinition } from "../engine/sim/policy.ts";
import { resolveParams } from "./params.ts";
import { isModulePath, isPlugin, loadPlugin } from "./plugin.ts";
import { loadPythonPolicy, pythonPath, pythonRef } from "./python/policy.ts";
import type { PolicyRegistry } from "./registry.ts";

/** A policy ready to instantiate. */
export interface ResolvedPolicy {
  label: string;
  def: PolicyDefinition;
  params: Params;
  /**
   * The params as the scenario gives them (before defaults and preset):
   * what overrides merge over, so that `preset` given later still applies.
   */
  given?: Record<string, unknown>;
  /** Loaded from a user module (errors it throws are reported as the plugin's). */
  plugin: boolean;
  /** Absolute checkpoint directory, when the scenario names one. */
  checkpoint?: string;
  /** Where the scenario names the policy, and its checkpoint (for located errors). */
  at?: Problem;
  checkpointAt?: Problem;
}

/** A policy as a scenario or an experiment names it. */
export interface PolicyRef {
  /** A registered id, a module path (a plugin), or `python:` and a Python module's path. */
  use: string;
  label?: string;
  params: Record<string, unknown>;
}

/** Where references resolve: the registry, the folder module paths are relative to, trust. */
export interface ResolveContext {
  registry: PolicyRegistry;
  baseDir: string;
  /** Import plugins in-process (else they are described in their sandbox); run Python ones. */
  trust?: boolean;
  /** The time limit of starting a Python policy, in ms (default 60 s). */
  loadTimeoutMs?: number;
}

/** A reference's definition, label and params (merged over its defaults and preset). */
export interface ResolvedRef {
  def: PolicyDefinition;
  label: string;
  params: Params;
}

/**
 * Locates a part of reference `index` in its file: `[]` the entry, `["use"]`
 * its policy, `["params", key]` a parameter (its key when `atKey`).
 */
export type RefLocator = (
  index: number,
  part: string[],
  atKey?: boolean,
) => Omit<Problem, "message">;

/**
 * Resolves every reference, in order: the definition (a plugin module or a
 * registered id, with did-you-mean), the params, and a label no other
 * reference has. A reference that cannot resolve is `undefined`; every
 * problem goes to `problems`, located by `at`.
 */
export async function resolveRefs(
  refs: readonly PolicyRef[],
  ctx: ResolveContext,
  at: RefLocator,
  problems: Problem[],
): Promise<(ResolvedRef | undefined)[]> {
  const out: (ResolvedRef | undefined)[] = [];
  const labels = new Set<string>();
  for (const [index, ref] of refs.entries()) {
    const place = (part: string[], message: string, atKey = false) => ({
      ...at(index, part, atKey),
      message,
    });
    const def = await definitionOf(ref.use, ctx, (message) => place(["use"], message), problems);
    if (!def) {
      out.push(undefined);
      continue;
    }
    const { params, problems: bad } = resolveParams(def, ref.params);
    for (const b of bad) problems.push(place(["params", b.key], b.message, true));
    const label = ref.label ?? def.id;
    if (labels.has(label)) {
      problems.push(place([], `two policies are labelled "${label}"; give one a distinct label`));
    }
    labels.add(label);
    out.push({ def, label, params });
  }
  return out;
}

/** The definition `use` names, or undefined with its problems pushed. */
async function definitionOf(
  use: string,
  ctx: ResolveContext,
  at: (message: string) => Problem,
  problems: Problem[],
): Promise<PolicyDefinition | undefined> {
  const python = pythonPath(use);
  if (python !== undefined) {
    try {
      const o = { trust: ctx.trust ?? false, loadTimeoutMs: ctx.loadTimeoutMs };
      return await loadPythonPolicy(python, ctx.baseDir, o);
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      // A fault of the module stays at its line; the others go to the reference.
      problems.push(...e.problems.map((p) => (p.line !== undefined ? p : at(p.message))));
      return undefined;
    }
  }
  if (use.endsWith(".py")) {
    problems.push(at(`${quote(use)} is a Python file: name it as ${quote(pythonRef(use))}`));
    return undefined;
  }
  if (isModulePath(use)) {
    try {
      return await loadPlugin(use, ctx.baseDir, ctx.trust);
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      problems.push(...e.problems.map((p) => at(p.message)));
      return undefined;
    }
  }
  const def = await ctx.registry.get(use);
  if (!def) {
    problems.push(at(
      `unknown policy ${quote(use)}${didYouMean(use, ctx.registry.ids())}; ` +
        `registered policies: ${ctx.registry.ids().join(", ")} (or give a module path)`,
    ));
  }
  return def;
}

interface ScenarioRef extends PolicyRef {
  checkpoint?: string;
  path: (string | number)[];
}

function refsOf(loaded: LoadedScenario): ScenarioRef[] {
  const p = loaded.scenario.policy;
  const list = Array.isArray(p) ? p : [p];
  return list.map((r, i) => {
    const path = Array.isArray(p) ? ["policy", i] : ["policy"];
    return typeof r === "string" ? { use: r, params: {}, path } : { ...r, path };
  });
}

/**
 * Resolves the scenario's policies, or the ids in `override` (which keep the
 * scenario's params for an id the scenario also lists), then the ids in
 * `extra` (e.g. `validate --python-policy`).
 */
export async function resolvePolicies(
  loaded: LoadedScenario,
  registry: PolicyRegistry,
  override?: readonly string[],
  trustPlugins = false,
  extra: readonly string[] = [],
): Promise<ResolvedPolicy[]> {
  const trust = trustPlugins || loaded.scenario.sandbox.trustPlugins;
  let refs = refsOf(loaded);
  if (override && override.length > 0) {
    refs = override.map((use) =>
      refs.find((r) => r.use === use || r.label === use) ?? { use, params: {}, path: [] }
    );
  }
  refs = [...refs, ...extra.map((use) => ({ use, params: {}, path: [] }))];
  // A policy named by a flag alone has no place in the file.
  const at: RefLocator = (i, part, atKey) =>
    refs[i].path.length > 0 ? loaded.locate([...refs[i].path, ...part], atKey) : {};
  const problems: Problem[] = [];
  const resolved = await resolveRefs(
    refs,
    {
      registry,
      baseDir: loaded.baseDir,
      trust,
      loadTimeoutMs: loaded.scenario.sandbox.loadTimeoutMs,
    },
    at,
    problems,
  );
  if (problems.length > 0) throw new UserError(problems);
  return resolved.map((r, i) => {
    const ref = refs[i];
    return {
      ...r!,
      given: ref.params,
      plugin: isPlugin(r!.def),
      checkpoint: ref.checkpoint ? resolve(loaded.baseDir, ref.checkpoint) : undefined,
      at: ref.path.length > 0 ? loaded.locate(ref.path) : undefined,
      checkpointAt: ref.checkpoint ? loaded.locate([...ref.path, "checkpoint"]) : undefined,
    };
  });
}

/**
 * One policy of the scenario (or a registered id, or a module path) with
 * `overrides` applied over its scenario params (so a `preset` given here
 * still sets what the scenario leaves unset); throws UserError on bad params.
 */
export async function resolveOne(
  loaded: LoadedScenario,
  registry: PolicyRegistry,
  policy: string,
  overrides: Record<string, unknown> = {},
  trustPlugins = false,
): Promise<ResolvedPolicy> {
  const [resolved] = await resolvePolicies(loaded, registry, [policy], trustPlugins);
  const { params, problems } = resolveParams(resolved.def, {
    ...(resolved.given ?? resolved.params),
    ...overrides,
  });
  if (problems.length > 0) throw new UserError(problems.map((p) => ({ message: p.message })));
  return { ...resolved, params };
}
