/**
 * DNN layer chains: shapes, transmitted data sizes (MODEL.md eq. (3)) and
 * per-layer workloads (MODEL.md eq. (6)), computed from layer tuples.
 *
 * @module
 */

/** A convolution: output channels, square kernel, stride and zero padding. */
export interface ConvSpec {
  type: "conv";
  name?: string;
  out: number;
  kernel: number;
  stride?: number;
  pad?: number;
  /** Declared input channels; checked against the chained shape. */
  in?: number;
}

/** A pooling layer (window `kernel`, channels unchanged). */
export interface PoolSpec {
  type: "maxpool" | "avgpool";
  name?: string;
  kernel: number;
  stride?: number;
  pad?: number;
}

/** A fully connected layer; the first one flattens its input. */
export interface FcSpec {
  type: "fc";
  name?: string;
  out: number;
  /** Declared input length; checked against the chained shape. */
  in?: number;
}

/**
 * A residual unit (MODEL.md A5): a chain of convolutions plus an optional
 * projection (downsample) convolution on the unit's input; the skip addition
 * costs nothing. A cut is allowed only at unit boundaries.
 */
export interface BlockSpec {
  type: "block";
  name?: string;
  convs: ConvSpec[];
  downsample?: ConvSpec;
}

/** One element of a layer list. */
export type LayerSpec = ConvSpec | PoolSpec | FcSpec | BlockSpec;

/** Input tensor shape (height, width, channels). */
export type InputShape = readonly [number, number, number];

/** FLOP convention of eq. (6) (MODEL.md A4). */
export type FlopConvention = "literal" | "exact";

/** One row of a model's layer table. */
export interface LayerRow {
  /** 1-based layer index l. */
  index: number;
  name: string;
  type: LayerSpec["type"];
  /** Input shape: [H, W, C] for conv/pool/block, [U] for fc. */
  inShape: number[];
  outShape: number[];
  /** D_l of eq. (3): bytes sent when cutting right before this layer. */
  dBytes: number;
  /** B_l of eq. (6) in GFLOP. */
  workGflop: number;
}

/** A model's partition table, indexed by partition point phi = 1..L+1. */
export interface DnnTable {
  name: string;
  layers: LayerRow[];
  /** L_k: number of layers (chain units). */
  L: number;
  /** L_k^con: number of conv/pool units. */
  Lcon: number;
  /** dBytes[phi] = D_phi (bytes); dBytes[L+1] = 0 (nothing sent). Index 0 unused. */
  dBytes: Float64Array;
  /** localGflop[phi] = sum_{l < phi} B_l: work done on board. */
  localGflop: Float64Array;
  /** edgeGflop[phi] = sum_{l >= phi} B_l: work done on the edge node. */
  edgeGflop: Float64Array;
  totalGflop: number;
}

/** A layer list whose shapes do not chain; `path` locates the culprit. */
export class LayerShapeError extends Error {
  constructor(readonly path: (string | number)[], message: string) {
    super(message);
    this.name = "LayerShapeError";
  }
}

interface Spatial {
  h: number;
  w: number;
  c: number;
}

function outSize(size: number, kernel: number, stride: number, pad: number): number {
  return Math.floor((size + 2 * pad - kernel) / stride) + 1;
}

/** MODEL.md eq. (6), conv/pool row, with the A4 convention. Returns FLOP. */
export function convFlop(
  input: Spatial,
  output: Spatial,
  kernel: number,
  cOut: number,
  convention: FlopConvention,
): number {
  const hw = convention === "literal" ? input.h * input.w : output.h * output.w;
  return 2 * hw * (input.c * kernel * kernel + 1) * cOut;
}

/** Pooling FLOP: eq. (6) with C_out = C_in (literal), or one op per window element (exact). */
export function poolFlop(input: Spatial, output: Spatial, kernel: number, conv: FlopConvention) {
  return conv === "literal"
    ? 2 * input.h * input.w * (input.c * kernel * kernel + 1) * input.c
    : output.h * output.w * input.c * kernel * kernel;
}

/** MODEL.md eq. (6), FC row. Returns FLOP. */
export function fcFlop(uIn: number, uOut: number): number {
  return (2 * uIn - 1) * uOut;
}

function applyConv(input: Spatial, spec: ConvSpec, path: (string | number)[]): Spatial {
  if (spec.in !== undefined && spec.in !== input.c) {
    throw new LayerShapeError(
      [...path, "in"],
      `declares ${spec.in} input channels but the previous layer gives ${input.c}`,
    );
  }
  return spatialOut(input, spec.kernel, spec.stride ?? 1, spec.pad ?? 0, spec.out, path);
}

function spatialOut(
  input: Spatial,
  kernel: number,
  stride: number,
  pad: number,
  cOut: number,
  path: (string | number)[],
): Spatial {
  const h = outSize(input.h, kernel, stride, pad);
  const w = outSize(input.w, kernel, stride, pad);
  if (h < 1 || w < 1) {
    throw new LayerShapeError(
      [...path, "kernel"],
      `kernel ${kernel} (stride ${stride}, pad ${pad}) does not fit the ${input.h}x${input.w} input`,
    );
  }
  return { h, w, c: cOut };
}

/**
 * Builds the partition table of a layer chain. Throws `LayerShapeError`
 * when the shapes do not chain.
 */
export function buildTable(
  name: string,
  specs: readonly LayerSpec[],
  input: InputShape,
  bytesPerElement: number,
  convention: FlopConvention,
): DnnTable {
  const rows: LayerRow[] = [];
  let sp: Spatial | undefined = { h: input[0], w: input[1], c: input[2] };
  let u = 0;
  let lCon = 0;
  specs.forEach((spec, idx) => {
    const path = [idx];
    const index = idx + 1;
    const label = spec.name ?? `${spec.type}${index}`;
    if (spec.type === "fc") {
      const uIn = sp ? sp.h * sp.w * sp.c : u;
      if (spec.in !== undefined && spec.in !== uIn) {
        throw new LayerShapeError(
          [...path, "in"],
          `declares ${spec.in} inputs but the previous layer gives ${uIn}`,
        );
      }
      rows.push({
        index,
        name: label,
        type: "fc",
        inShape: [uIn],
        outShape: [spec.out],
        dBytes: uIn * bytesPerElement, // eq. (3), FC row
        workGflop: fcFlop(uIn, spec.out) / 1e9, // eq. (6), FC row
      });
      sp = undefined;
      u = spec.out;
      return;
    }
    if (!sp) {
      throw new LayerShapeError(
        [...path, "type"],
        `a ${spec.type} layer cannot follow a fully connected layer (the chain is conv/pool layers, then FC layers)`,
      );
    }
    const inSp: Spatial = sp;
    let out: Spatial;
    let flop: number;
    if (spec.type === "conv") {
      out = applyConv(inSp, spec, path);
      flop = convFlop(inSp, out, spec.kernel, spec.out, convention);
    } else if (spec.type === "block") {
      if (spec.convs.length === 0) {
        throw new LayerShapeError([...path, "convs"], "a block needs at least one convolution");
      }
      let cur = inSp;
      flop = 0;
      spec.convs.forEach((c, ci) => {
        const next = applyConv(cur, c, [...path, "convs", ci]);
        flop += convFlop(cur, next, c.kernel, c.out, convention);
        cur = next;
      });
      const shortcut = spec.downsample
        ? applyConv(inSp, spec.downsample, [...path, "downsample"])
        : inSp;
      if (spec.downsample) {
        flop += convFlop(inSp, shortcut, spec.downsample.kernel, spec.downsample.out, convention);
      }
      if (shortcut.h !== cur.h || shortcut.w !== cur.w || shortcut.c !== cur.c) {
        throw new LayerShapeError(
          [...path, spec.downsample ? "downsample" : "convs"],
          `the skip path gives ${shortcut.h}x${shortcut.w}x${shortcut.c} but the main path gives ${cur.h}x${cur.w}x${cur.c}` +
            (spec.downsample ? "" : "; add a downsample convolution"),
        );
      }
      out = cur;
    } else {
      out = spatialOut(inSp, spec.kernel, spec.stride ?? spec.kernel, spec.pad ?? 0, inSp.c, path);
      flop = poolFlop(inSp, out, spec.kernel, convention);
    }
    lCon++;
    rows.push({
      index,
      name: label,
      type: spec.type,
      inShape: [inSp.h, inSp.w, inSp.c],
      outShape: [out.h, out.w, out.c],
      dBytes: inSp.h * inSp.w * inSp.c * bytesPerElement, // eq. (3), conv/pool row
      workGflop: flop / 1e9, // eq. (6)
    });
    sp = out;
  });
  if (rows.length === 0) throw new LayerShapeError([], "a model needs at least one layer");
  return tableFromRows(name, rows, lCon);
}

function tableFromRows(name: string, rows: LayerRow[], lCon: number): DnnTable {
  const L = rows.length;
  const dBytes = new Float64Array(L + 2);
  const localGflop = new Float64Array(L + 2);
  const edgeGflop = new Float64Array(L + 2);
  for (let phi = 1; phi <= L; phi++) dBytes[phi] = rows[phi - 1].dBytes;
  for (let phi = 2; phi <= L + 1; phi++) {
    localGflop[phi] = localGflop[phi - 1] + rows[phi - 2].workGflop;
  }
  for (let phi = L; phi >= 1; phi--) edgeGflop[phi] = edgeGflop[phi + 1] + rows[phi - 1].workGflop;
  return {
    name,
    layers: rows,
    L,
    Lcon: lCon,
    dBytes,
    localGflop,
    edgeGflop,
    totalGflop: edgeGflop[1],
  };
}
