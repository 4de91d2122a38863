/**
 * Validated config -> compiled world: DNN tables, model constants, the
 * mobility source, and per-episode hardware draws.
 *
 * @module
 */
import { buildTable, type DnnTable } from "./dnn/layers.ts";
import { BUILTIN_MODELS } from "./dnn/zoo.ts";
import { UserError } from "./errors.ts";
import { Highway } from "./mobility/highway.ts";
import {
  createSumoMobilitySync,
  RsuPlacementError,
  type RsuRequest,
  type SumoRsuEntry,
  TraceError,
} from "./mobility/sumo/mod.ts";
import type { MobilitySource } from "./mobility/types.ts";
import { dbmToW } from "./model/channel.ts";
import type { ModelParams } from "./model/slot.ts";
import { type Rng, streamKey } from "./rng.ts";
import type { LoadedScenario } from "./scenario/load.ts";
import { DEFAULT_BACKHAUL, type Scenario } from "./scenario/schema.ts";

/** Static facts of the compiled scenario a policy is created for. */
export interface ScenarioInfo {
  name: string;
  seed: number;
  /** Number of client vehicles I, of SVs, of RSUs R, and of edge nodes J = R + SVs. */
  cvCount: number;
  svCount: number;
  rsuCount: number;
  nodeCount: number;
  /** Slot boundaries of the predicted tracks of MODEL.md A33 (2T with several RSUs, else 0). */
  trackSlots: number;
  /** DNN type tables (K of them). */
  tables: readonly DnnTable[];
  slotsPerEpisode: number;
  tauS: number;
  /** Lyapunov weight V. */
  V: number;
  /** The per-slot model's constants (what `Observation.evaluate` uses). */
  model: ModelParams;
  v2vRangeM: number;
  /** Road extent (m) along the scalar coordinate po of eq. (54), for normalising states. */
  roadFromM: number;
  roadToM: number;
  /** Directory of the scenario file: relative paths in params resolve against it. */
  baseDir: string;
}

/** An RSU where it stands (MODEL.md section 6.3). */
export interface RsuSite {
  /** Its name in outputs: `rsu1`, `rsu2`, ... unless the scenario names it. */
  name: string;
  x: number;
  y: number;
  coverageM: number;
  /** f_r^rsu,max (GFLOP/s), MODEL.md A30 applied. */
  cpuGflops: number;
}

/** Per-episode vehicle hardware and DNN types. */
export interface Hardware {
  cvType: Int32Array;
  cvCpuGflops: Float64Array;
  svCpuGflops: Float64Array;
}

/** Everything the slot engine needs, compiled once per scenario. */
export interface World {
  loaded: LoadedScenario;
  scenario: Scenario;
  /** One table per DNN type, in `dnn.models` order. */
  tables: DnnTable[];
  params: ModelParams;
  mobility: MobilitySource;
  info: ScenarioInfo;
  cvTxPowerW: number;
  /** The RSUs, R >= 1 (one for the paper's model). */
  rsus: RsuSite[];
  /** Draws episode hardware from the hardware stream. */
  drawHardware(rng: Rng): Hardware;
}

/** Builds every DNN table of a scenario. */
export function buildTables(s: Scenario): DnnTable[] {
  return s.dnn.models.map((name) => {
    const custom = s.dnn.custom[name];
    const layers = custom ? custom.layers : BUILTIN_MODELS[name];
    const input = custom?.inputShape ?? s.dnn.inputShape;
    const table = buildTable(name, layers, input, s.dnn.bytesPerElement, s.dnn.flops);
    if (s.dnn.inputBytes !== undefined) {
      // MODEL.md A29: the raw input sent at phi = 1 need not be the tensor (6) is computed at.
      table.dBytes[1] = s.dnn.inputBytes;
      table.layers[0].dBytes = s.dnn.inputBytes;
    }
    return table;
  });
}

/** A CPU capacity of the scenario (GFLOP/s) with MODEL.md A30's FLOPs per cycle applied. */
function capacity(s: Scenario, gflops: number): number {
  return s.dnn.flopsPerCycle === undefined ? gflops : gflops * s.dnn.flopsPerCycle;
}

/** Compiles a loaded scenario. `seed` overrides the scenario's seed. */
export function compileWorld(loaded: LoadedScenario, seed = loaded.scenario.seed): World {
  const s = { ...loaded.scenario, seed };
  const tables = buildTables(s);
  const I = s.vehicles.clients.count;
  const S = s.vehicles.services.count;
  const params: ModelParams = {
    V: s.lyapunov.V,
    tauS: s.time.slotS,
    gamma: s.lyapunov.gamma,
    waiting: s.lyapunov.waiting,
    budget: { bandwidthHz: s.channel.bandwidthHz, noiseW: dbmToW(s.channel.noiseDbm) },
    v2i: s.channel.pathLoss.v2i,
    v2v: s.channel.pathLoss.v2v,
    fading: s.channel.fading,
    fadingKey: streamKey(seed, "fading"),
    v2vRangeM: s.channel.v2vRangeM,
    backhaul: s.backhaul ?? DEFAULT_BACKHAUL,
    resultBytes: tables.map((t) => {
      const out = t.layers[t.L - 1].outShape;
      return out.reduce((a, b) => a * b, 1) * s.dnn.bytesPerElement; // D_k^out of E9
    }),
  };
  const m = s.mobility;
  const rsus = highwayRsus(s);
  const mobility: MobilitySource = m.kind === "sumo"
    ? sumoMobility(loaded, s, seed)
    : new Highway(m, I, S, s.rsu.positionM, -s.rsu.offsetM, s.time.slotS, rsus);
  const sites = rsus.length > 0 ? rsus : placedRsus(s, mobility);
  const info: ScenarioInfo = {
    name: s.name,
    seed,
    cvCount: I,
    svCount: S,
    rsuCount: sites.length,
    nodeCount: S + sites.length,
    trackSlots: sites.length > 1 ? 2 * s.time.slots : 0,
    tables,
    slotsPerEpisode: s.time.slots,
    tauS: s.time.slotS,
    V: s.lyapunov.V,
    model: params,
    v2vRangeM: s.channel.v2vRangeM,
    roadFromM: mobility.roadFromM,
    roadToM: mobility.roadToM,
    baseDir: loaded.baseDir,
  };
  const mix = s.vehicles.clients.dnn;
  const typeIndex = (name: string) => s.dnn.models.indexOf(name);
  const drawHardware = (rng: Rng): Hardware => {
    const cvType = new Int32Array(I);
    if (mix === "round-robin") {
      for (let i = 0; i < I; i++) cvType[i] = i % tables.length; // A18
    } else if ("list" in mix) {
      mix.list.forEach((name, i) => (cvType[i] = typeIndex(name)));
    } else {
      const names = Object.keys(mix.weights);
      const total = names.reduce((a, n) => a + mix.weights[n], 0);
      for (let i = 0; i < I; i++) {
        let u = rng.next() * total;
        let pick = names[names.length - 1];
        for (const n of names) {
          if ((u -= mix.weights[n]) < 0) {
            pick = n;
            break;
          }
        }
        cvType[i] = typeIndex(pick);
      }
    }
    const [cLo, cHi] = s.vehicles.clients.cpuGflops;
    const [sLo, sHi] = s.vehicles.services.cpuGflops;
    const cvCpuGflops = Float64Array.from({ length: I }, () => capacity(s, rng.uniform(cLo, cHi)));
    const svCpuGflops = Float64Array.from({ length: S }, () => capacity(s, rng.uniform(sLo, sHi)));
    return { cvType, cvCpuGflops, svCpuGflops };
  };
  return {
    loaded,
    scenario: s,
    tables,
    params,
    mobility,
    info,
    cvTxPowerW: dbmToW(s.vehicles.clients.txPowerDbm),
    rsus: sites,
    drawHardware,
  };
}

/** The RSUs a SUMO source placed (or the one RSU), with their CPUs from the scenario. */
function placedRsus(s: Scenario, mobility: MobilitySource): RsuSite[] {
  const spots = mobility.rsus ??
    [{ x: mobility.rsuX, y: mobility.rsuY, coverageM: s.rsu.coverageM }];
  if (s.rsus === undefined) {
    return [{
      name: "rsu",
      x: spots[0].x,
      y: spots[0].y,
      coverageM: s.rsu.coverageM,
      cpuGflops: capacity(s, s.rsu.cpuGflops),
    }];
  }
  const cpu = (i: number) => {
    const r = s.rsus!;
    return Array.isArray(r) ? r[i].cpuGflops : r.cpuGflops;
  };
  return spots.map((p, i) => ({
    name: p.name ?? (spots.length === 1 ? "rsu" : `rsu${i + 1}`),
    x: p.x,
    y: p.y,
    coverageM: p.coverageM,
    cpuGflops: capacity(s, cpu(i)),
  }));
}

/** What `rsus:` (or `rsu:`) asks a SUMO source to place. */
function rsuRequest(s: Scenario): RsuRequest {
  const r = s.rsus;
  if (r === undefined) return { kind: "one", coverageM: s.rsu.coverageM };
  if (Array.isArray(r)) return { kind: "list", entries: r as SumoRsuEntry[] };
  if ("every" in r) return { kind: "every", ...r };
  return { kind: "junctions", count: r.junctions, ...r };
}

/** The highway's RSUs of `rsus:` (the loader turned a placement rule into the list). */
function highwayRsus(s: Scenario): RsuSite[] {
  if (s.mobility.kind !== "highway" || !Array.isArray(s.rsus)) return [];
  return s.rsus.map((r, i) => {
    if (!("positionM" in r) || "edge" in r) throw new TypeError("checked by check.ts");
    return {
      name: r.name ?? `rsu${i + 1}`,
      x: r.positionM,
      y: -r.offsetM,
      coverageM: r.coverageM,
      cpuGflops: capacity(s, r.cpuGflops),
    };
  });
}

/** The SUMO mobility of a scenario; trace problems become user errors (exit 2). */
function sumoMobility(loaded: LoadedScenario, s: Scenario, seed: number): MobilitySource {
  if (s.mobility.kind !== "sumo") {
    throw new TypeError("Cannot build SUMO mobility as the kind is not sumo");
  }
  try {
    return createSumoMobilitySync(s.mobility, {
      baseDir: loaded.baseDir,
      cvCount: s.vehicles.clients.count,
      svCount: s.vehicles.services.count,
      slots: s.time.slots,
      tauS: s.time.slotS,
      episodes: s.time.episodes,
      rsus: rsuRequest(s),
      seed,
      log: (line) => console.error(line),
    });
  } catch (e) {
    if (e instanceof RsuPlacementError) {
      throw new UserError([{ ...loaded.locate(e.path, true), message: e.message }]);
    }
    if (!(e instanceof TraceError)) throw e;
    throw new UserError([
      { file: e.file, line: e.line || undefined, col: e.col || undefined, message: e.message },
    ]);
  }
}
