/**
 * Shared test helpers: temporary scenarios, capturing the CLI, small worlds.
 *
 * @module
 */
import { join } from "node:path";
import { main } from "../../cli.ts";
import { parseScenario } from "../../engine/scenario/load.ts";
import { compileWorld, type World } from "../../engine/world.ts";
import { Env } from "../../engine/sim/env.ts";
import type { PolicyInstance } from "../../engine/sim/policy.ts";
import { playEpisode } from "../../host/episode.ts";

/** Writes `text` to a fresh temp dir as `name`; returns its path. */
export async function tempScenario(text: string, name = "s.yaml"): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "vecscene-test-" });
  const path = join(dir, name);
  await Deno.writeTextFile(path, text);
  return path;
}

/** Runs the CLI in-process; returns its exit code and what it printed. */
export async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...a: unknown[]) => out.push(a.join(" "));
  console.error = (...a: unknown[]) => err.push(a.join(" "));
  // commander writes its own errors through process.stderr
  const proc = (await import("node:process")).default;
  const w = proc.stderr.write;
  // deno-lint-ignore no-explicit-any
  (proc.stderr as any).write = (s: string) => (err.push(String(s)), true);
  try {
    const code = await main(args);
    return { code, out: out.join("\n"), err: err.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
    // deno-lint-ignore no-explicit-any
    (proc.stderr as any).write = w;
  }
}

/** A compiled world from scenario text (paper defaults for omitted keys). */
export function worldOf(text: string): World {
  return compileWorld(parseScenario(text, "<test>"));
}

/** An environment with one policy, played episode by episode (0-based `e`, as the streams count). */
export function simulate(
  world: World,
  instance: PolicyInstance,
  o: { label?: string; untrusted?: boolean } = {},
) {
  const env = new Env(world);
  const player = { label: o.label ?? "test", instance, untrusted: o.untrusted ?? false };
  return {
    env,
    on: env.on.bind(env),
    get observation() {
      return env.observation;
    },
    runEpisode(e: number, training = false): void {
      playEpisode(env, player, e + 1, { training });
    },
  };
}
