/**
 * Expert datasets (the paper's future work, Sec. IX): every slot an expert
 * policy played, as the learning policies see it. Per slot and client
 * vehicle: the raw local state (54), the feasible nodes (the action mask of
 * A10 with the header's action counts), the DNN type and the expert's action
 * a = (phi - 1) J + node; per slot: the reward (58), the objective (34) and
 * whether it ended its episode. A graded dataset (`header.graded`) adds
 * every action's cost (engine/sim/dataset.ts, `cost`).
 *
 * One file, `expert.bin`: the magic line `vecscene-expert/1\n`, a 4-byte
 * little-endian header length, the JSON header ({@linkcode ExpertHeader}),
 * zero padding to a multiple of 8, then the arrays in the order of
 * `header.arrays`, each at its recorded byte offset. Written atomically.
 * The header's last key, `sha256`, is the SHA-256 of the header's compact
 * JSON without it followed by every byte after the header's padding (the
 * arrays), checked on reading (engine/output/integrity.ts); a dataset of
 * before the digests has none and is read unverified.
 *
 * @module
 */
import { ENCODING_VERSION } from "../sim/encoding.ts";
import type { ExpertArrays, ExpertData, ExpertHeader } from "../sim/dataset.ts";
import { writeFileAtomic } from "./atomic.ts";
import { sha256Hex } from "./integrity.ts";

export type { ExpertArrays, ExpertData, ExpertHeader };

/** The file inside a dataset folder. */
export const EXPERT_FILE = "expert.bin";
const MAGIC = "vecscene-expert/1\n";

type ArrayName = keyof ExpertArrays;
const ORDER: readonly ArrayName[] = [
  "state",
  "reward",
  "objective",
  "types",
  "actions",
  "feasible",
  "terminal",
];
/** The arrays of a dataset with header `h`: graded targets last, when it has them. */
const orderOf = (h: ExpertHeader): readonly ArrayName[] => h.graded ? [...ORDER, "cost"] : ORDER;
const KIND = {
  state: Float32Array,
  reward: Float64Array,
  objective: Float64Array,
  types: Int32Array,
  actions: Int32Array,
  feasible: Uint8Array,
  terminal: Uint8Array,
  cost: Float32Array,
} as const;

/** The number of slots recorded. */
export function expertRows(h: ExpertHeader): number {
  return h.episodes * h.slotsPerEpisode;
}

/** The length each array must have under `h`. */
function lengths(h: ExpertHeader): Record<ArrayName, number> {
  const rows = expertRows(h);
  const a = rows * h.agents;
  return {
    state: a * h.stateDim,
    reward: rows,
    objective: rows,
    types: a,
    actions: a,
    feasible: a * h.nodes,
    terminal: rows,
    cost: h.graded ? a * h.graded.width : 0,
  };
}

/** Encodes a dataset as the bytes of `expert.bin`. */
export function encodeExpert(d: ExpertData): Uint8Array {
  const want = lengths(d.header);
  const order = orderOf(d.header);
  for (const name of order) {
    if (d.arrays[name]?.length !== want[name]) {
      throw new RangeError(
        `Cannot encode the dataset as array "${name}" has the wrong length: ` +
          `current value is ${d.arrays[name]?.length}, expected ${want[name]}`,
      );
    }
  }
  // The arrays' region: each array at an 8-aligned offset from its start (which is 8-aligned).
  let size = 0;
  for (const name of order) size = pad8(size + d.arrays[name]!.byteLength);
  const body = new Uint8Array(size);
  let at = 0;
  for (const name of order) {
    const a = d.arrays[name]!;
    body.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at = pad8(at + a.byteLength);
  }
  const { sha256: _, ...header } = d.header as ExpertHeader & { sha256?: string };
  const sealed = { ...header, sha256: sha256Hex(JSON.stringify(header), body) };
  const head = new TextEncoder().encode(JSON.stringify(sealed));
  const start = pad8(MAGIC.length + 4 + head.length);
  const out = new Uint8Array(start + body.length);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(MAGIC.length, head.length, true);
  out.set(head, MAGIC.length + 4);
  out.set(body, start);
  return out;
}

/** Decodes `expert.bin`; `where` names it in errors (TypeError for a malformed file). */
export function decodeExpert(bytes: Uint8Array, where: string): ExpertData {
  const bad = (why: string) => new TypeError(`${where}: not a vecscene expert dataset: ${why}`);
  const magic = new TextDecoder().decode(bytes.subarray(0, MAGIC.length));
  if (magic !== MAGIC) throw bad(`it does not start with ${JSON.stringify(MAGIC.trim())}`);
  if (bytes.length < MAGIC.length + 4) throw bad("it is truncated");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headLen = view.getUint32(MAGIC.length, true);
  const headEnd = MAGIC.length + 4 + headLen;
  if (headEnd > bytes.length) throw bad("its header is truncated");
  let header: ExpertHeader & { sha256?: string };
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(MAGIC.length + 4, headEnd)));
  } catch (e) {
    throw bad(`its header is not JSON (${(e as Error).message})`);
  }
  for (const k of ["episodes", "slotsPerEpisode", "agents", "nodes", "stateDim"] as const) {
    if (!Number.isSafeInteger(header[k]) || header[k] < 0) {
      throw bad(`header field "${k}" is ${JSON.stringify(header[k])}`);
    }
  }
  // A dataset of before the encoding was versioned was recorded under its first version.
  const encoding = header.encoding ?? 1;
  if (!Number.isSafeInteger(encoding) || encoding < 1 || encoding > ENCODING_VERSION) {
    throw bad(
      `it was recorded under agent encoding ${JSON.stringify(encoding)}, and this vecscene ` +
        `reads encodings 1 to ${ENCODING_VERSION} (engine/sim/encoding.ts): record it again`,
    );
  }
  if (
    header.graded !== undefined &&
    !(Number.isSafeInteger(header.graded?.width) && header.graded.width > 0)
  ) {
    throw bad(`header field "graded" is ${JSON.stringify(header.graded)}`);
  }
  const want = lengths(header);
  const arrays = {} as Record<ArrayName, unknown>;
  let at = pad8(headEnd);
  for (const name of orderOf(header)) {
    const Kind = KIND[name];
    const byteLength = want[name] * Kind.BYTES_PER_ELEMENT;
    if (at + byteLength > bytes.length) throw bad(`array "${name}" is truncated`);
    // Copy into an aligned buffer of its own.
    const copy = bytes.slice(at, at + byteLength);
    arrays[name] = new Kind(copy.buffer, 0, want[name]);
    at = pad8(at + byteLength);
  }
  if (at !== bytes.length) throw bad(`it has ${bytes.length - at} bytes past its last array`);
  const { sha256, ...rest } = header;
  const verified = sha256 !== undefined;
  const headText = new TextDecoder().decode(bytes.subarray(MAGIC.length + 4, headEnd));
  const exact = JSON.stringify(header) === headText; // a changed digit of the same value too
  const body = bytes.subarray(pad8(headEnd));
  if (verified && (!exact || sha256Hex(JSON.stringify(rest), body) !== sha256)) {
    throw new TypeError(
      `${where}: content does not match its recorded SHA-256 (damaged or edited); record it again`,
    );
  }
  return { header: { ...rest, encoding }, arrays: arrays as unknown as ExpertArrays, verified };
}

/** Writes a dataset to `path` atomically. */
export async function writeExpert(path: string, d: ExpertData): Promise<void> {
  await writeFileAtomic(path, encodeExpert(d));
}

/** Reads a dataset file. */
export async function readExpert(path: string): Promise<ExpertData> {
  return decodeExpert(await Deno.readFile(path), path);
}

/** Appends the rows of `b` to `a` (same scenario, expert and shapes). */
export function concatExpert(a: ExpertData, b: ExpertData): ExpertData {
  const arrays = {} as Record<ArrayName, unknown>;
  for (const name of orderOf(a.header)) {
    const x = a.arrays[name]!;
    const y = b.arrays[name]!;
    const out = new KIND[name](x.length + y.length);
    out.set(x as never);
    out.set(y as never, x.length);
    arrays[name] = out;
  }
  const n = a.header.episodes + b.header.episodes;
  const meanDelayS = (a.header.meanDelayS * a.header.episodes +
    b.header.meanDelayS * b.header.episodes) / Math.max(1, n);
  return {
    header: { ...a.header, episodes: n, meanDelayS },
    arrays: arrays as unknown as ExpertArrays,
  };
}

function pad8(n: number): number {
  return Math.ceil(n / 8) * 8;
}
