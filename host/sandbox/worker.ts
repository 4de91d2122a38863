/**
 * The worker side of a sandboxed plugin: it imports the plugin module with
 * the worker's narrowed permissions (see `host.ts`), then either describes
 * it, or creates one instance and serves the host's requests until
 * disposed. Observations are rebuilt here from the packed state, over this
 * worker's own copy of the DNN tables and model constants.
 *
 * @module
 */
import { SlotModel } from "../../engine/model/slot.ts";
import { Rng, type RngState } from "../../engine/rng.ts";
import { NeighbourIndex } from "../../engine/sim/neighbours.ts";
import { StateBlock } from "../../engine/sim/state.ts";
import { Observation } from "../../engine/sim/observation.ts";
import type { PolicyDefinition, PolicyInstance, StepResult } from "../../engine/sim/policy.ts";
import { shapeProblems } from "../plugin.ts";
import {
  C,
  type Description,
  type ErrorReply,
  type Init,
  OP,
  readJson,
  STATUS,
  unpackState,
  views,
  waitChange,
  writeJson,
} from "./protocol.ts";

/** The worker global scope (typed here: the project compiles against the window types). */
const scope = self as unknown as {
  onmessage: ((e: MessageEvent<Init>) => void) | null;
  postMessage(message: unknown): void;
  close(): void;
};

const HOOKS = ["reset", "observe", "update", "stats", "save", "load", "dispose"] as const;

function errorReply(e: unknown): ErrorReply {
  const err = e as Error;
  return { name: err?.name ?? "Error", message: String(err?.message ?? e) };
}

/** The module's definition, or the problems of its shape. */
async function importPlugin(url: string): Promise<PolicyDefinition | string[]> {
  const mod = await import(url);
  const def = mod.default ?? mod.policy;
  const problems = shapeProblems(def);
  return problems.length > 0 ? problems : def as PolicyDefinition;
}

/** Whether `a` holds exactly `n` numbers (the fast path of a decision). */
function numbers(a: ArrayLike<unknown> | undefined, n: number): boolean {
  if (!a || a.length !== n) return false;
  for (let i = 0; i < n; i++) if (typeof a[i] !== "number") return false;
  return true;
}

/** Creates the instance, then answers requests until DISPOSE. */
async function serve(init: Extract<Init, { mode: "create" }>): Promise<void> {
  const v = views(init.sab, init.shape);
  const def = await importPlugin(init.url);
  if (Array.isArray(def)) throw new TypeError(`not a valid policy plugin: ${def.join("; ")}`);
  const problems = Object.entries(def.check?.(init.params) ?? {}).filter(([, m]) => m);
  if (problems.length > 0) {
    const list = problems.map(([k, m]) => `parameter "${k}" of policy "${def.id}" ${m}`);
    throw new RangeError(list.join("; "));
  }
  const inst: PolicyInstance = await def.create(init.params, init.ctx);
  if (typeof inst?.decide !== "function") {
    throw new TypeError("create() must return an object with a decide() method");
  }
  const none = new Float64Array(0);
  const rsus = { x: none, y: none, coverageM: none, cpuGflops: none }; // unpacked each call
  const state = new StateBlock(init.shape, { rsus, cvTxPowerW: 0 }).state;
  const model = new SlotModel(init.model, init.tables, init.shape.svs, init.shape.rsus);
  const index = new NeighbourIndex(init.model.v2vRangeM, init.shape.rsus);
  const obs = new Observation(state, init.tables, model, index);
  const delayS = new Float64Array(init.shape.cvs);
  const refresh = () => {
    unpackState(v.state, state);
    index.rebuild(state.svX, state.svY, state.svActive);
    obs.episode = state.episode + 1;
    obs.slot = state.slot + 1;
  };
  scope.postMessage({ ready: [...HOOKS].filter((h) => typeof inst[h] === "function") });
  let seq = 0;
  for (;;) {
    waitChange(v.ctrl, C.REQ, seq);
    seq = Atomics.load(v.ctrl, C.REQ);
    const op = Atomics.load(v.ctrl, C.OP);
    let status: number = STATUS.OK;
    try {
      // The request's JSON, then the area is the reply's.
      const req = Atomics.load(v.ctrl, C.JSON_LEN) > 0 ? readJson<unknown>(v) : undefined;
      Atomics.store(v.ctrl, C.JSON_LEN, 0);
      if (op === OP.RESET) {
        const r = req as { episode: number; training: boolean; rng: RngState };
        inst.reset?.({ episode: r.episode, training: r.training, rng: Rng.fromState(r.rng) });
      } else if (op === OP.DECIDE) {
        refresh();
        const d = inst.decide(obs) as unknown as Record<string, ArrayLike<number>> | null;
        const I = init.shape.cvs;
        if (numbers(d?.partition, I) && numbers(d?.target, I)) {
          // Float64 storage: each number crosses as it is (1.5 too), for the engine's check.
          for (let i = 0; i < I; i++) v.decision[i] = d!.partition[i];
          for (let i = 0; i < I; i++) v.decision[I + i] = d!.target[i];
        } else {
          // A malformed decision goes back as it is, for the engine's check to name.
          // Arrays of the wrong length go as their length only: that is what gets reported.
          const plain = d && typeof d === "object"
            ? Object.fromEntries(
              Object.entries(d).map(([k, a]) => [
                k,
                a?.length === I ? Array.from(a) : { length: a?.length },
              ]),
            )
            : { raw: d === null ? null : typeof d };
          writeJson(v, plain);
        }
      } else if (op === OP.OBSERVE) {
        refresh();
        const r = req as Omit<StepResult, "delayS" | "observation">;
        delayS.set(v.delay);
        inst.observe?.({ ...r, delayS, observation: obs });
      } else if (op === OP.UPDATE) {
        writeJson(v, inst.update?.() ?? null);
      } else if (op === OP.STATS) {
        writeJson(v, inst.stats?.() ?? {});
      } else if (op === OP.SAVE) {
        const r = req as { dir: string; options: Record<string, unknown> };
        await inst.save?.(r.dir, r.options);
      } else if (op === OP.LOAD) {
        await inst.load?.((req as { dir: string }).dir);
      } else if (op === OP.DISPOSE) {
        inst.dispose?.();
      }
    } catch (e) {
      status = STATUS.ERROR;
      writeJson(v, errorReply(e));
    }
    Atomics.store(v.ctrl, C.STATUS, status);
    Atomics.store(v.ctrl, C.DONE, seq);
    Atomics.notify(v.ctrl, C.DONE);
    if (op === OP.DISPOSE) break;
  }
  scope.close();
}

scope.onmessage = (e: MessageEvent<Init>) => {
  const init = e.data;
  scope.onmessage = null;
  if (init.mode === "describe") {
    importPlugin(init.url).then((def) => {
      if (Array.isArray(def)) return scope.postMessage({ problems: def });
      const d: Description = {
        id: def.id,
        description: def.description,
        defaults: def.defaults,
        presets: def.presets,
        learning: def.learning ?? false,
      };
      scope.postMessage({ description: d });
    }, (err) => scope.postMessage({ error: errorReply(err) }));
    return;
  }
  serve(init).catch((err) => scope.postMessage({ error: errorReply(err) }));
};
