/**
 * The content hash of a scenario's world: everything that decides what the
 * slots are (mobility, vehicles, channel, DNNs, Lyapunov settings, time),
 * and the bytes of its SUMO network and trace, but not its name, policies,
 * output folder, sandbox settings, episode count or seed. Two files that
 * describe the same world hash alike wherever they lie; changing a trace
 * changes the hash. Expert datasets carry it, and pre-training checks it.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { resolve } from "node:path";
import type { LoadedScenario } from "./load.ts";

/** Canonical JSON: object keys sorted, so equal values give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const keys = Object.keys(value).filter((k) =>
      (value as Record<string, unknown>)[k] !== undefined
    ).sort();
    return `{${
      keys.map((k) =>
        `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`
      ).join(",")
    }}`;
  }
  return JSON.stringify(value);
}

/** SHA-256 (hex) of `data`. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** The scenario's world hash (SHA-256 hex). */
export function scenarioHash(loaded: LoadedScenario): string {
  const s = loaded.scenario;
  const world: Record<string, unknown> = {
    time: { slots: s.time.slots, slotS: s.time.slotS },
    mobility: s.mobility,
    rsu: s.rsu,
    // Several RSUs (absent with one: the hash of a one-RSU scenario is unchanged).
    rsus: s.rsus,
    backhaul: s.backhaul,
    vehicles: s.vehicles,
    channel: s.channel,
    dnn: s.dnn,
    lyapunov: s.lyapunov,
  };
  if (s.mobility.kind === "sumo") {
    // The files by content, not by path; `build` only says how the trace was made.
    const { net, trace, build: _build, ...rest } = s.mobility as
      & { net?: string; trace: string; build?: unknown }
      & Record<string, unknown>;
    const read = (p: string) => sha256Hex(Deno.readFileSync(resolve(loaded.baseDir, p)));
    world.mobility = { ...rest, net: net ? read(net) : null, trace: read(trace) };
  }
  return sha256Hex(canonicalJson(world));
}
