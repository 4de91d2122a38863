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

interface Ref {
  use: string;
  label?: string;
  params: Record<string, unknown>;
  checkpoint?: string;
  path: (string | number)[];
}

function refsOf(loaded: LoadedScenario): Ref[] {
  const p = loaded.scenario.policy;
  const list = Array.isArray(p) ? p : [p];
  return list.map((r, i) => {
    const path = Array.isArray(p) ? ["policy", i] : ["policy"];
    return typeof r === "string" ? { use: r, params: {}, path } : { ...r, path };
  });
}

/**
 * Resolves the scenario's policies, or the ids in `override` (which keep the
 * scenario's params for an id the scenario also lists).
 */
export async function resolvePolicies(
  loaded: LoadedScenario,
  registry: PolicyRegistry,
  override?: readonly string[],
  trustPlugins = false,
): Promise<ResolvedPolicy[]> {
  const trust = trustPlugins || loaded.scenario.sandbox.trustPlugins;
  let refs = refsOf(loaded);
  if (override && override.length > 0) {
    refs = override.map((use) =>
      refs.find((r) => r.use === use || r.label === use) ?? { use, params: {}, path: [] }
    );
  }
  const problems: Problem[] = [];
  const at = (path: (string | number)[], message: string, atKey = false): Problem =>
    path.length > 0 ? { ...loaded.locate(path, atKey), message } : { message };
  const out: ResolvedPolicy[] = [];
  for (const ref of refs) {
    let def: PolicyDefinition | undefined;
    if (isModulePath(ref.use)) {
      try {
        def = await loadPlugin(ref.use, loaded.baseDir, trust);
      } catch (e) {
        if (!(e instanceof UserError)) throw e;
        problems.push(...e.problems.map((p) => at([...ref.path, "use"], p.message)));
        continue;
      }
    } else {
      def = await registry.get(ref.use);
      if (!def) {
        problems.push(at(
          ref.path.length ? [...ref.path, "use"] : [],
          `unknown policy ${quote(ref.use)}${didYouMean(ref.use, registry.ids())}; ` +
            `registered policies: ${registry.ids().join(", ")} (or give a module path)`,
        ));
        continue;
      }
    }
    const { params, problems: bad } = resolveParams(def, ref.params);
    for (const b of bad) problems.push(at([...ref.path, "params", b.key], b.message, true));
    const label = ref.label ?? def.id;
    if (out.some((o) => o.label === label)) {
      problems.push(
        at(ref.path, `two policies are labelled "${label}"; give one a distinct label:`),
      );
    }
    out.push({
      label,
      def,
      params,
      given: ref.params,
      plugin: isPlugin(def),
      checkpoint: ref.checkpoint ? resolve(loaded.baseDir, ref.checkpoint) : undefined,
      at: ref.path.length > 0 ? loaded.locate(ref.path) : undefined,
      checkpointAt: ref.checkpoint ? loaded.locate([...ref.path, "checkpoint"]) : undefined,
    });
  }
  if (problems.length > 0) throw new UserError(problems);
  return out;
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
