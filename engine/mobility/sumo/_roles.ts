/**
 * Which trace vehicles play the client and service roles in a window:
 * explicit ids, then vehicle types, then a seeded random choice, always
 * among the vehicles eligible at the window start.
 *
 * @module
 */
import type { Rng } from "../../rng.ts";
import type { TraceSampler } from "./_sampler.ts";
import type { RoadAxis } from "./axis.ts";
import { suggest } from "./net.ts";
import type { SumoMobility, SumoRole } from "./schema.ts";
import { stepAtOrBefore, type Trace } from "./trace.ts";
import { TraceError } from "./trace_error.ts";

/** What the source needs, resolved from the scenario and the files. */
export interface SumoSourceOptions {
  trace: Trace;
  /** The first RSU: the origin of the road coordinate (0 at it). */
  rsuX: number;
  rsuY: number;
  /** Every RSU (the first included), with its coverage radius (m). */
  rsus: { x: number; y: number; coverageM: number; name?: string }[];
  /** Slot starts after the window to sample for the predicted tracks (MODEL.md A33). */
  trackSlots: number;
  axis: RoadAxis;
  cvCount: number;
  svCount: number;
  slots: number;
  tauS: number;
  roles: SumoMobility["roles"];
  interpolation: SumoMobility["interpolation"];
  episodes: SumoMobility["episodes"];
}

/** The vehicles of one episode: trace vehicle indices, clients first. */
export interface EpisodeRoles {
  startS: number;
  clients: number[];
  services: number[];
}

/** Chooses roles for windows of one trace. */
export class RolePicker {
  readonly #o: SumoSourceOptions;
  readonly #sampler: TraceSampler;
  /** Explicit ids resolved to vehicle indices. */
  readonly #idRoles: { clients?: number[]; services?: number[] } = {};

  constructor(o: SumoSourceOptions, sampler: TraceSampler) {
    this.#o = o;
    this.#sampler = sampler;
    const index = new Map(o.trace.ids.map((id, v) => [id, v]));
    for (
      const [name, role, count] of [
        ["clients", o.roles.clients, o.cvCount],
        ["services", o.roles.services, o.svCount],
      ] as const
    ) {
      if (typeof role !== "object" || !("ids" in role) || count === 0) continue;
      if (role.ids.length !== count) {
        throw new RangeError(
          `Cannot assign mobility.roles.${name}.ids as it lists ${role.ids.length} ids: current value of vehicles.${name}.count is ${count}`,
        );
      }
      this.#idRoles[name] = role.ids.map((id) => {
        const v = index.get(id);
        if (v === undefined) {
          throw new TraceError(
            o.trace.file,
            o.trace.stepLine[0],
            `vehicle '${id}' (mobility.roles.${name}.ids) does not occur in the trace${
              suggest(id, o.trace.ids)
            }`,
          );
        }
        return v;
      });
    }
  }

  /** Why vehicle `v` cannot play a role in the window starting at `startS`, or "". */
  #ineligible(v: number, startS: number): string {
    const o = this.#o;
    const last = o.roles.eligible === "staying" ? o.slots - 1 : 0;
    for (let s = 0; s <= last; s++) {
      const t = startS + s * o.tauS;
      if (!this.#sampler.sample(v, t)) return `is not in the trace at ${t} s`;
      if (!this.#sampler.inCoverage()) {
        return o.rsus.length === 1
          ? `is outside the RSU's coverage (${o.rsus[0].coverageM} m) at ${t} s`
          : `is outside every RSU's coverage at ${t} s`;
      }
      const zone = o.roles.startRoadM;
      if (s === 0 && zone !== undefined) {
        const road = o.axis.roadM(this.#sampler.x, this.#sampler.y);
        if (road < zone[0] || road > zone[1]) {
          return `is at road coordinate ${
            road.toFixed(1)
          } m at ${t} s, outside roles.startRoadM [${zone}]`;
        }
      }
    }
    return "";
  }

  /** Vehicles eligible at `startS`, ascending. */
  #eligible(startS: number): number[] {
    const t = this.#o.trace;
    const k = stepAtOrBefore(t, startS);
    if (k < 0) return [];
    const out: number[] = [];
    for (let r = t.stepStart[k]; r < t.stepStart[k + 1]; r++) {
      const v = t.recVehicle[r];
      if (this.#ineligible(v, startS) === "") out.push(v);
    }
    return out.sort((a, b) => a - b);
  }

  /**
   * Chooses the roles at `startS`: explicit ids first, then types, then
   * random picks from the rest. With `rng` null it only checks feasibility
   * (and draws nothing). Returns the roles or the reason they cannot be met.
   */
  chooseRoles(startS: number, rng: Rng | null): EpisodeRoles | string {
    const o = this.#o;
    const free = new Set(this.#eligible(startS));
    const picked: Record<"clients" | "services", number[]> = { clients: [], services: [] };
    const specs = [
      ["clients", o.roles.clients, o.cvCount],
      ["services", o.roles.services, o.svCount],
    ] as const;
    for (const [name, , count] of specs) {
      const ids = this.#idRoles[name];
      if (ids === undefined || count === 0) continue;
      for (const v of ids) {
        if (!free.has(v)) {
          const why = this.#ineligible(v, startS) || "is already taken";
          return `vehicle '${o.trace.ids[v]}' (mobility.roles.${name}.ids) ${why}`;
        }
        free.delete(v);
        picked[name].push(v);
      }
    }
    const draw = (name: "clients" | "services", role: SumoRole, count: number) => {
      const types = typeof role === "object" && "vType" in role
        ? new Set(Array.isArray(role.vType) ? role.vType : [role.vType])
        : null;
      const pool = [...free].filter((v) => types === null || types.has(o.trace.types[v]));
      if (pool.length < count) {
        const what = types === null ? "vehicles" : `vehicles of type ${[...types].join("/")}`;
        return `only ${pool.length} eligible ${what} are left for the ${count} ${name} at ${startS} s (roles.eligible: ${o.roles.eligible})`;
      }
      for (let i = 0; i < count; i++) {
        const j = rng === null ? i : i + rng.int(pool.length - i);
        [pool[i], pool[j]] = [pool[j], pool[i]];
        free.delete(pool[i]);
        picked[name].push(pool[i]);
      }
      return "";
    };
    for (const pass of ["vType", "random"] as const) {
      for (const [name, role, count] of specs) {
        if (count === 0 || (typeof role === "object" && "ids" in role)) continue;
        if ((pass === "random") !== (role === "random")) continue;
        const why = draw(name, role, count);
        if (why !== "") return why;
      }
    }
    return { startS, clients: picked.clients, services: picked.services };
  }
}
