/**
 * Per-policy results: streams `slots.csv`, `queues.csv`, `steps.csv` and
 * `vehicles.csv` (atomically) and accumulates the aggregates of the comparison table.
 * With several RSUs (MODEL.md section 6.3), `slots.csv` gains the backhaul
 * time and the RSU a result was handed over to, `steps.csv` the handovers
 * of the slot, and `rsus.csv` has a row per RSU and slot: its backlog, the
 * work and tasks it received, and the results it handed over and took over.
 *
 * @module
 */
import { join } from "node:path";
import { quantileSorted } from "simple-statistics";
import type { Env, EpisodeStartEvent, SlotEvent } from "../sim/env.ts";
import { AtomicWriter } from "./atomic.ts";
import { csvLine } from "./csv.ts";

/** Column names of the CSV files. */
export const SLOT_COLUMNS = [
  "episode",
  "slot",
  "cv",
  "dnn",
  "partition",
  "target",
  "distance_m",
  "rate_bps",
  "data_bytes",
  "local_gflop",
  "edge_gflop",
  "t_local_s",
  "t_tx_s",
  "t_proc_s",
  "t_wait_s",
  "delay_s",
] as const;
export const QUEUE_COLUMNS = [
  "episode",
  "slot",
  "queue",
  "backlog_gflop",
  "service_gflop_per_s",
] as const;
export const STEP_COLUMNS = ["episode", "slot", "objective", "reward", "mean_delay_s"] as const;
/** Columns added with several RSUs (MODEL.md E8-E9), and the columns of `rsus.csv`. */
export const SLOT_RSUS_COLUMNS = ["t_backhaul_s", "handover_to"] as const;
export const STEP_RSUS_COLUMNS = ["handovers"] as const;
export const RSU_COLUMNS = [
  "episode",
  "slot",
  "rsu",
  "backlog_gflop",
  "arrival_gflop",
  "tasks",
  "handovers_out",
  "handovers_in",
] as const;
export const VEHICLE_COLUMNS = [
  "episode",
  "slot",
  "vehicle",
  "trace_id",
  "x_m",
  "y_m",
  "road_m",
  "speed_mps",
  "active",
] as const;

/** Aggregates of one policy over a run (A20). */
export interface Aggregates {
  /** Tasks (CV-slots with a task). */
  tasks: number;
  meanDelayS: number;
  p95DelayS: number;
  meanObjective: number;
  meanReward: number;
  /** Mean backlog per queue of each kind over slots, Q(t) in GFLOP. */
  meanBacklogGflop: { local: number; rsu: number; sv: number };
}

/** One episode's figures (A20: per-episode mean delay and per-episode backlog sums). */
export interface EpisodeFigures {
  episode: number;
  meanDelayS: number;
  meanObjective: number;
  backlogSumGflop: { local: number; rsu: number; sv: number };
  /** Start of the episode's trace window (s); null for synthetic mobility (the highway). */
  windowStartS: number | null;
  /** Trace id of each chosen vehicle (`cv1`.., `sv1`..); null for synthetic mobility. */
  vehicles: Record<string, string> | null;
}

/** Subscribes to an environment; call `commit()` or `abort()` at the end. */
export class Recorder {
  readonly episodes: EpisodeFigures[] = [];
  readonly #writers: AtomicWriter[] = [];
  readonly #slots?: AtomicWriter;
  readonly #queues?: AtomicWriter;
  readonly #steps?: AtomicWriter;
  readonly #vehicles?: AtomicWriter;
  readonly #rsus?: AtomicWriter;
  readonly #delays: number[] = [];
  readonly #names: string[];
  /** The RSUs' names, and their count R. */
  readonly #rsuNames: string[];
  readonly #R: number;
  /** Per-RSU counts of a slot for `rsus.csv`: tasks received, results handed over and taken. */
  readonly #rsuCounts: { tasks: Int32Array; out: Int32Array; into: Int32Array };
  readonly #layers: number[];
  readonly #cvs: number;
  #objSum = 0;
  #slotCount = 0;
  #backlog = { local: 0, rsu: 0, sv: 0 };
  #ep = { delay: 0, tasks: 0, obj: 0, slots: 0, local: 0, rsu: 0, sv: 0 };
  /** Trace ids of the current episode's vehicles, clients first ("" when none). */
  #ids: readonly string[] = [];
  #windowStartS: number | null = null;

  /** Writes CSVs into `dir` when given; aggregates only otherwise. */
  constructor(env: Env, dir?: string) {
    this.#names = env.world.tables.map((t) => t.name);
    this.#layers = env.world.tables.map((t) => t.L);
    this.#cvs = env.info.cvCount;
    this.#rsuNames = env.world.rsus.map((r) => r.name);
    this.#R = env.info.rsuCount;
    const counts = () => new Int32Array(this.#R);
    this.#rsuCounts = { tasks: counts(), out: counts(), into: counts() };
    if (dir) {
      const open = (name: string, cols: readonly string[]) => {
        const w = new AtomicWriter(join(dir, name));
        w.write(csvLine(cols));
        this.#writers.push(w);
        return w;
      };
      const several = this.#R > 1;
      this.#slots = open(
        "slots.csv",
        several ? [...SLOT_COLUMNS, ...SLOT_RSUS_COLUMNS] : SLOT_COLUMNS,
      );
      this.#queues = open("queues.csv", QUEUE_COLUMNS);
      this.#steps = open(
        "steps.csv",
        several ? [...STEP_COLUMNS, ...STEP_RSUS_COLUMNS] : STEP_COLUMNS,
      );
      this.#vehicles = open("vehicles.csv", VEHICLE_COLUMNS);
      if (several) this.#rsus = open("rsus.csv", RSU_COLUMNS);
    }
    env.on("episodeStart", (e) => this.#onEpisodeStart(e));
    env.on("slot", (e) => this.#onSlot(e));
    env.on("episodeEnd", ({ episode }) => this.#onEpisodeEnd(episode));
  }

  #onEpisodeStart(e: EpisodeStartEvent): void {
    this.#ids = e.vehicleIds ?? [];
    this.#windowStartS = e.windowStartS ?? null;
  }

  /** One `vehicles.csv` row per vehicle: position, road coordinate (54), speed. */
  #writeVehicles(e: SlotEvent): void {
    const s = e.state;
    const w = this.#vehicles!;
    const I = s.cvX.length;
    const row = (
      name: string,
      k: number,
      x: number,
      y: number,
      road: number,
      v: number,
      a: number,
    ) => w.write(csvLine([e.episode, e.slot, name, this.#ids[k] ?? "", x, y, road, v, a]));
    for (let i = 0; i < I; i++) {
      row(`cv${i + 1}`, i, s.cvX[i], s.cvY[i], s.cvRoadM[i], s.cvSpeedMps[i], s.cvActive[i]);
    }
    for (let j = 0; j < s.svX.length; j++) {
      row(`sv${j + 1}`, I + j, s.svX[j], s.svY[j], s.svRoadM[j], s.svSpeedMps[j], s.svActive[j]);
    }
  }

  #onSlot(e: SlotEvent): void {
    if (this.#vehicles) this.#writeVehicles(e);
    const { state: s, detail: d, decision } = e;
    let tasks = 0;
    let delay = 0;
    for (let i = 0; i < s.cvType.length; i++) {
      if (!s.cvActive[i]) continue;
      tasks++;
      delay += d.delayS[i];
      this.#delays.push(d.delayS[i]);
      if (this.#slots) {
        const phi = decision.partition[i];
        const node = decision.target[i];
        const R = this.#R;
        const target = phi > this.#layers[s.cvType[i]]
          ? "local"
          : node >= R
          ? `sv${node - R + 1}`
          : R === 1
          ? "rsu"
          : this.#rsuNames[node];
        const row = [
          e.episode,
          e.slot,
          i + 1,
          this.#names[s.cvType[i]],
          phi,
          target,
          d.distanceM[i],
          d.rateBps[i],
          d.dataBytes[i],
          d.localGflop[i],
          d.edgeGflop[i],
          d.tLocalS[i],
          d.tTxS[i],
          d.tProcS[i],
          d.tWaitS[i],
          d.delayS[i],
        ];
        if (R > 1) {
          const to = d.handoverTo[i];
          row.push(d.tBackhaulS[i], to >= 0 ? this.#rsuNames[to] : "");
        }
        this.#slots.write(csvLine(row));
      }
    }
    let local = 0, rsu = 0, sv = 0;
    for (const q of s.cvQueueGflop) local += q;
    for (const q of s.rsuQueueGflop) rsu += q;
    for (const q of s.svQueueGflop) sv += q;
    if (this.#queues) {
      const q = this.#queues;
      for (let i = 0; i < s.cvQueueGflop.length; i++) {
        q.write(csvLine([e.episode, e.slot, `cv${i + 1}`, s.cvQueueGflop[i], s.cvCpuGflops[i]]));
      }
      const K = this.#names.length;
      for (let c = 0; c < s.rsuQueueGflop.length; c++) {
        const rsu = this.#R === 1 ? "rsu" : this.#rsuNames[Math.floor(c / K)];
        q.write(csvLine([
          e.episode,
          e.slot,
          `${rsu}:${this.#names[c % K]}`,
          s.rsuQueueGflop[c],
          d.rsuShareGflops[c],
        ]));
      }
      for (let j = 0; j < s.svQueueGflop.length; j++) {
        q.write(csvLine([e.episode, e.slot, `sv${j + 1}`, s.svQueueGflop[j], s.svCpuGflops[j]]));
      }
    }
    const meanDelay = tasks > 0 ? delay / tasks : 0;
    const step = [e.episode, e.slot, d.objective, e.reward, meanDelay];
    if (this.#R > 1) step.push(d.handovers);
    this.#steps?.write(csvLine(step));
    if (this.#rsus) this.#writeRsus(e);
    const ep = this.#ep;
    ep.delay += delay;
    ep.tasks += tasks;
    ep.obj += d.objective;
    ep.slots++;
    ep.local += local;
    ep.rsu += rsu;
    ep.sv += sv;
    this.#objSum += d.objective;
    this.#slotCount++;
    const n = (x: number, count: number) => (count > 0 ? x / count : 0);
    this.#backlog.local += n(local, s.cvQueueGflop.length);
    this.#backlog.rsu += n(rsu, s.rsuQueueGflop.length);
    this.#backlog.sv += n(sv, s.svQueueGflop.length);
  }

  /** One `rsus.csv` row per RSU: backlog, arrivals, tasks, results handed over and taken over. */
  #writeRsus(e: SlotEvent): void {
    const { state: s, detail: d, decision } = e;
    const K = this.#names.length;
    const R = this.#R;
    const { tasks, out, into } = this.#rsuCounts;
    tasks.fill(0);
    out.fill(0);
    into.fill(0);
    for (let i = 0; i < s.cvType.length; i++) {
      const node = decision.target[i];
      if (!s.cvActive[i] || decision.partition[i] > this.#layers[s.cvType[i]] || node >= R) {
        continue;
      }
      tasks[node]++;
      if (d.handoverTo[i] >= 0) {
        out[node]++;
        into[d.handoverTo[i]]++;
      }
    }
    for (let r = 0; r < R; r++) {
      let backlog = 0, arrival = 0;
      for (let k = 0; k < K; k++) {
        backlog += s.rsuQueueGflop[r * K + k];
        arrival += d.rsuArrivalGflop[r * K + k];
      }
      this.#rsus!.write(
        csvLine([
          e.episode,
          e.slot,
          this.#rsuNames[r],
          backlog,
          arrival,
          tasks[r],
          out[r],
          into[r],
        ]),
      );
    }
  }

  #onEpisodeEnd(episode: number): void {
    const ep = this.#ep;
    this.episodes.push({
      episode,
      meanDelayS: ep.tasks > 0 ? ep.delay / ep.tasks : 0,
      meanObjective: ep.slots > 0 ? ep.obj / ep.slots : 0,
      backlogSumGflop: { local: ep.local, rsu: ep.rsu, sv: ep.sv },
      windowStartS: this.#windowStartS,
      vehicles: this.#ids.length > 0 ? this.#vehicleMap() : null,
    });
    this.#ep = { delay: 0, tasks: 0, obj: 0, slots: 0, local: 0, rsu: 0, sv: 0 };
  }

  /** `{cv1: id, .., sv1: id, ..}` of the current episode. */
  #vehicleMap(): Record<string, string> {
    const I = this.#cvs;
    const out: Record<string, string> = {};
    this.#ids.forEach((id, k) => (out[k < I ? `cv${k + 1}` : `sv${k - I + 1}`] = id));
    return out;
  }

  /** The run's aggregates so far. */
  aggregates(): Aggregates {
    const sorted = Float64Array.from(this.#delays).sort();
    const n = sorted.length;
    const mean = n > 0 ? sorted.reduce((a, b) => a + b, 0) / n : 0;
    const slots = Math.max(this.#slotCount, 1);
    return {
      tasks: n,
      meanDelayS: mean,
      p95DelayS: n > 0 ? quantileSorted(Array.from(sorted), 0.95) : 0,
      meanObjective: this.#objSum / slots,
      meanReward: -this.#objSum / slots,
      meanBacklogGflop: {
        local: this.#backlog.local / slots,
        rsu: this.#backlog.rsu / slots,
        sv: this.#backlog.sv / slots,
      },
    };
  }

  /** Moves the CSV files into place. */
  commit(): void {
    for (const w of this.#writers) w.commit();
  }

  /** Drops the partial CSV files. */
  abort(): void {
    for (const w of this.#writers) w.abort();
  }
}
