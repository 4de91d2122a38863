/**
 * Layer tables of the built-in models against MODEL.md section 4:
 * D_l (eq. (3)) and B_l (eq. (6)) in both FLOP conventions (A4), the
 * chain lengths L and L^con, the totals, the prefix/suffix sums used by
 * eqs. (7)-(16), and the shape errors of malformed layer lists.
 *
 * Every expected number is copied from the MODEL.md tables or computed by
 * hand in a comment; nothing is produced by the code under test.
 */
import assert from "node:assert/strict";
import {
  buildTable,
  type DnnTable,
  type FlopConvention,
  LayerShapeError,
  type LayerSpec,
} from "../../../engine/dnn/layers.ts";
import { BUILTIN_MODELS } from "../../../engine/dnn/zoo.ts";

const INPUT = [224, 224, 3] as const;
const RHO = 4;

/** One MODEL.md table row: name, D_l (bytes), B_l literal (FLOP), B_l alt. = exact (FLOP). */
type Row = [string, number, number, number];

// MODEL.md section 4, "AlexNet (torchvision variant)".
const ALEXNET: Row[] = [
  ["conv1", 602_112, 2_337_800_192, 140_940_800],
  ["pool1", 774_400, 223_414_400, 419_904],
  ["conv2", 186_624, 448_177_536, 448_177_536],
  ["pool2", 559_872, 484_009_344, 292_032],
  ["conv3", 129_792, 224_410_368, 224_410_368],
  ["conv4", 259_584, 299_127_296, 299_127_296],
  ["conv5", 173_056, 199_447_040, 199_447_040],
  ["pool3", 173_056, 199_447_040, 82_944],
  ["fc6", 36_864, 75_493_376, 75_493_376],
  ["fc7", 16_384, 33_550_336, 33_550_336],
  ["fc8", 16_384, 8_191_000, 8_191_000],
];

// MODEL.md section 4, "VGG16 (configuration D)".
const VGG16: Row[] = [
  ["conv1", 602_112, 179_830_784, 179_830_784],
  ["conv2", 12_845_056, 3_705_798_656, 3_705_798_656],
  ["pool1", 12_845_056, 1_650_589_696, 3_211_264],
  ["conv3", 3_211_264, 1_852_899_328, 1_852_899_328],
  ["conv4", 6_422_528, 3_702_587_392, 3_702_587_392],
  ["pool2", 6_422_528, 1_647_378_432, 1_605_632],
  ["conv5", 1_605_632, 1_851_293_696, 1_851_293_696],
  ["conv6", 3_211_264, 3_700_981_760, 3_700_981_760],
  ["conv7", 3_211_264, 3_700_981_760, 3_700_981_760],
  ["pool3", 3_211_264, 1_645_772_800, 802_816],
  ["conv8", 802_816, 1_850_490_880, 1_850_490_880],
  ["conv9", 1_605_632, 3_700_178_944, 3_700_178_944],
  ["conv10", 1_605_632, 3_700_178_944, 3_700_178_944],
  ["pool4", 1_605_632, 1_644_969_984, 401_408],
  ["conv11", 401_408, 925_044_736, 925_044_736],
  ["conv12", 401_408, 925_044_736, 925_044_736],
  ["conv13", 401_408, 925_044_736, 925_044_736],
  ["pool5", 401_408, 411_242_496, 100_352],
  ["fc1", 100_352, 205_516_800, 205_516_800],
  ["fc2", 16_384, 33_550_336, 33_550_336],
  ["fc3", 16_384, 8_191_000, 8_191_000],
];

// MODEL.md section 4, "ResNet18, block-level partition chain".
const RESNET18: Row[] = [
  ["conv1", 602_112, 950_534_144, 237_633_536],
  ["maxpool", 3_211_264, 926_449_664, 1_806_336],
  ["layer1.0", 802_816, 463_224_832, 463_224_832],
  ["layer1.1", 802_816, 463_224_832, 463_224_832],
  ["layer2.0", 802_816, 746_819_584, 360_263_680],
  ["layer2.1", 401_408, 462_823_424, 462_823_424],
  ["layer3.0", 401_408, 745_916_416, 359_962_624],
  ["layer3.1", 200_704, 462_622_720, 462_622_720],
  ["layer4.0", 200_704, 745_464_832, 359_812_096],
  ["layer4.1", 100_352, 462_522_368, 462_522_368],
  ["avgpool", 100_352, 1_258_865_664, 25_088],
  ["fc", 2_048, 1_023_000, 1_023_000],
];

interface Expected {
  rows: Row[];
  L: number;
  Lcon: number;
  /** MODEL.md "Sum B (literal)" and "Sum B (alt.)", GFLOP to 3 decimals. */
  totalLiteral: number;
  totalExact: number;
}

const EXPECTED: Record<string, Expected> = {
  alexnet: { rows: ALEXNET, L: 11, Lcon: 8, totalLiteral: 4.533, totalExact: 1.430 },
  resnet18: { rows: RESNET18, L: 12, Lcon: 11, totalLiteral: 7.689, totalExact: 3.635 },
  vgg16: { rows: VGG16, L: 21, Lcon: 18, totalLiteral: 37.968, totalExact: 30.974 },
};

const CONVENTIONS: FlopConvention[] = ["literal", "exact"];

function build(name: string, convention: FlopConvention): DnnTable {
  return buildTable(name, BUILTIN_MODELS[name], INPUT, RHO, convention);
}

/** |a - b| <= rel * |b|, with a message. */
function close(actual: number, expected: number, rel: number, what: string) {
  assert.ok(
    Math.abs(actual - expected) <= rel * Math.abs(expected),
    `${what}: got ${actual}, expected ${expected}`,
  );
}

Deno.test("zoo: exactly the three built-in models", () => {
  assert.deepEqual(Object.keys(BUILTIN_MODELS).sort(), ["alexnet", "resnet18", "vgg16"]);
});

for (const [model, exp] of Object.entries(EXPECTED)) {
  for (const convention of CONVENTIONS) {
    Deno.test(`${model} (${convention}): D_l (3) and B_l (6) match MODEL.md section 4`, () => {
      const t = build(model, convention);
      assert.equal(t.L, exp.L);
      assert.equal(t.Lcon, exp.Lcon);
      assert.equal(t.layers.length, exp.rows.length);
      exp.rows.forEach(([name, d, bLit, bExact], idx) => {
        const row = t.layers[idx];
        assert.equal(row.index, idx + 1);
        assert.equal(row.name, name);
        assert.equal(row.dBytes, d, `${model} layer ${idx + 1} D`);
        assert.equal(t.dBytes[idx + 1], d, `${model} dBytes[${idx + 1}]`);
        const flop = convention === "literal" ? bLit : bExact;
        close(row.workGflop, flop / 1e9, 1e-12, `${model} layer ${idx + 1} B`);
      });
      // phi = L + 1 (fully local): nothing is transmitted.
      assert.equal(t.dBytes[exp.L + 1], 0);
      // Layers 1..Lcon are conv/pool units, the rest are FC.
      t.layers.forEach((row, idx) => {
        assert.equal(row.type === "fc", idx >= exp.Lcon, `${model} layer ${idx + 1} type`);
      });
    });

    Deno.test(`${model} (${convention}): total and prefix/suffix sums`, () => {
      const t = build(model, convention);
      const col = convention === "literal" ? 2 : 3;
      const flops = exp.rows.map((r) => r[col] as number);
      const total = flops.reduce((a, b) => a + b, 0) / 1e9;
      const printed = convention === "literal" ? exp.totalLiteral : exp.totalExact;
      // The table column sums to the total printed in MODEL.md (3 decimals).
      assert.ok(Math.abs(total - printed) < 5e-4, `${model} column sum ${total} vs ${printed}`);
      assert.ok(Math.abs(t.totalGflop - printed) < 5e-4, `${model} total ${t.totalGflop}`);
      close(t.totalGflop, total, 1e-12, `${model} total`);
      // localGflop[phi] = sum_{l < phi} B_l, edgeGflop[phi] = sum_{l >= phi} B_l.
      for (let phi = 1; phi <= exp.L + 1; phi++) {
        const local = flops.slice(0, phi - 1).reduce((a, b) => a + b, 0) / 1e9;
        const edge = flops.slice(phi - 1).reduce((a, b) => a + b, 0) / 1e9;
        assert.ok(Math.abs(t.localGflop[phi] - local) <= 1e-9, `${model} local[${phi}]`);
        assert.ok(Math.abs(t.edgeGflop[phi] - edge) <= 1e-9, `${model} edge[${phi}]`);
      }
      assert.equal(t.localGflop[1], 0);
      assert.equal(t.edgeGflop[exp.L + 1], 0);
    });
  }
}

Deno.test("alexnet: shapes chain as in the MODEL.md table", () => {
  const t = build("alexnet", "literal");
  assert.deepEqual(t.layers[0].outShape, [55, 55, 64]);
  assert.deepEqual(t.layers[1].outShape, [27, 27, 64]);
  assert.deepEqual(t.layers[3].outShape, [13, 13, 192]);
  assert.deepEqual(t.layers[7].outShape, [6, 6, 256]);
  assert.deepEqual(t.layers[8].inShape, [9216]);
  assert.deepEqual(t.layers[10].outShape, [1000]);
});

Deno.test("resnet18: blocks keep their output shapes (56, 28, 14, 7)", () => {
  const t = build("resnet18", "exact");
  assert.deepEqual(t.layers[3].outShape, [56, 56, 64]);
  assert.deepEqual(t.layers[4].outShape, [28, 28, 128]);
  assert.deepEqual(t.layers[6].outShape, [14, 14, 256]);
  assert.deepEqual(t.layers[8].outShape, [7, 7, 512]);
  assert.deepEqual(t.layers[10].outShape, [1, 1, 512]);
  assert.deepEqual(t.layers[11].inShape, [512]);
});

// A tiny chain computed entirely by hand:
// input 4x4x2, rho = 4
// l=1 conv 3x3, pad 1, out 3 -> 4x4x3. D_1 = 4*4*2*4 = 128 B.
//     literal = exact (stride 1): 2*4*4*(2*9+1)*3 = 1824 FLOP.
// l=2 maxpool 2 (stride 2) -> 2x2x3. D_2 = 4*4*3*4 = 192 B.
//     literal: 2*4*4*(3*4+1)*3 = 1248; exact: 2*2*3*4 = 48.
// l=3 fc 12 -> 5. D_3 = 12*4 = 48 B. B = (2*12-1)*5 = 115.
const TINY: LayerSpec[] = [
  { type: "conv", out: 3, kernel: 3, pad: 1 },
  { type: "maxpool", kernel: 2 },
  { type: "fc", out: 5 },
];

Deno.test("buildTable: a hand-computed 3-layer chain", () => {
  const lit = buildTable("tiny", TINY, [4, 4, 2], 4, "literal");
  assert.equal(lit.L, 3);
  assert.equal(lit.Lcon, 2);
  assert.deepEqual([...lit.dBytes], [0, 128, 192, 48, 0]);
  close(lit.layers[0].workGflop, 1824e-9, 1e-12, "conv");
  close(lit.layers[1].workGflop, 1248e-9, 1e-12, "pool literal");
  close(lit.layers[2].workGflop, 115e-9, 1e-12, "fc");
  // local[phi] = sum_{l<phi}: 0, 1824, 3072, 3187; edge[phi]: 3187, 1363, 115, 0 (FLOP).
  const lo = [0, 0, 1824, 3072, 3187].map((x) => x * 1e-9);
  const ed = [0, 3187, 1363, 115, 0].map((x) => x * 1e-9);
  for (let phi = 1; phi <= 4; phi++) {
    assert.ok(Math.abs(lit.localGflop[phi] - lo[phi]) < 1e-18, `local[${phi}]`);
    assert.ok(Math.abs(lit.edgeGflop[phi] - ed[phi]) < 1e-18, `edge[${phi}]`);
  }
  close(lit.totalGflop, 3187e-9, 1e-12, "total literal");
  const ex = buildTable("tiny", TINY, [4, 4, 2], 4, "exact");
  close(ex.layers[1].workGflop, 48e-9, 1e-12, "pool exact");
  // 1824 + 48 + 115 = 1987.
  close(ex.totalGflop, 1987e-9, 1e-12, "total exact");
  assert.equal(lit.layers[2].name, "fc3");
});

function shapeError(specs: LayerSpec[], input: readonly [number, number, number]) {
  try {
    buildTable("bad", specs, input, 4, "literal");
  } catch (e) {
    assert.ok(e instanceof LayerShapeError, `expected a LayerShapeError, got ${e}`);
    return e;
  }
  assert.fail("expected a LayerShapeError");
}

Deno.test("LayerShapeError: fc declares the wrong input length", () => {
  // 2x2x3 flattens to 12 inputs; the layer declares 10.
  const e = shapeError([{ type: "conv", out: 3, kernel: 1 }, { type: "fc", out: 4, in: 10 }], [
    2,
    2,
    3,
  ]);
  assert.deepEqual(e.path, [1, "in"]);
  assert.match(e.message, /10/);
  assert.match(e.message, /12/);
  // The correct declaration passes.
  const ok = buildTable(
    "ok",
    [{ type: "conv", out: 3, kernel: 1 }, { type: "fc", out: 4, in: 12 }],
    [
      2,
      2,
      3,
    ],
    4,
    "literal",
  );
  assert.equal(ok.L, 2);
});

Deno.test("LayerShapeError: fc after fc checks the previous output length", () => {
  const e = shapeError([{ type: "fc", out: 8 }, { type: "fc", out: 2, in: 7 }], [1, 1, 4]);
  assert.deepEqual(e.path, [1, "in"]);
});

Deno.test("LayerShapeError: conv (and pool) after fc", () => {
  const e = shapeError([{ type: "fc", out: 8 }, { type: "conv", out: 2, kernel: 1 }], [2, 2, 1]);
  assert.deepEqual(e.path, [1, "type"]);
  const p = shapeError([
    { type: "conv", out: 2, kernel: 1 },
    { type: "fc", out: 8 },
    { type: "maxpool", kernel: 1 },
  ], [2, 2, 1]);
  assert.deepEqual(p.path, [2, "type"]);
});

Deno.test("LayerShapeError: kernel larger than the input", () => {
  // 3x3 input, 5x5 kernel, no padding: output (3-5)/1+1 = -1 < 1.
  const e = shapeError([{ type: "conv", out: 2, kernel: 5 }], [3, 3, 1]);
  assert.deepEqual(e.path, [0, "kernel"]);
  // A pool further down the chain: conv keeps 3x3, the pool window 4 does not fit.
  const p = shapeError([{ type: "conv", out: 2, kernel: 1 }, { type: "avgpool", kernel: 4 }], [
    3,
    3,
    1,
  ]);
  assert.deepEqual(p.path, [1, "kernel"]);
  // With pad 1 the 5x5 kernel fits the 3x3 input: (3+2-5)/1+1 = 1.
  const ok = buildTable(
    "ok",
    [{ type: "conv", out: 2, kernel: 5, pad: 1 }],
    [3, 3, 1],
    4,
    "literal",
  );
  assert.deepEqual(ok.layers[0].outShape, [1, 1, 2]);
});

Deno.test("LayerShapeError: conv declares the wrong input channels", () => {
  const e = shapeError([{ type: "conv", out: 2, kernel: 1, in: 4 }], [3, 3, 3]);
  assert.deepEqual(e.path, [0, "in"]);
});

Deno.test("LayerShapeError: block skip path mismatch without downsample", () => {
  // 8x8x4 input; main path ends 8x8x8 (channels change), skip path is 8x8x4.
  const block: LayerSpec = {
    type: "block",
    convs: [{ type: "conv", out: 8, kernel: 3, pad: 1 }, {
      type: "conv",
      out: 8,
      kernel: 3,
      pad: 1,
    }],
  };
  const e = shapeError([{ type: "conv", out: 4, kernel: 1 }, block], [8, 8, 3]);
  assert.deepEqual(e.path, [1, "convs"]);
  assert.match(e.message, /downsample/);
  // Stride 2 in the main path, 1x1 stride-1 projection: spatial sizes differ.
  const bad: LayerSpec = {
    type: "block",
    convs: [{ type: "conv", out: 8, kernel: 3, stride: 2, pad: 1 }],
    downsample: { type: "conv", out: 8, kernel: 1 },
  };
  const d = shapeError([bad], [8, 8, 4]);
  assert.deepEqual(d.path, [0, "downsample"]);
  // A matching projection makes the block legal; its workload is the sum of all three convs:
  // conv1 8x8x4 -> 4x4x8, k3: literal 2*64*(4*9+1)*8 = 37888
  // conv2 4x4x8 -> 4x4x8, k3: literal 2*16*(8*9+1)*8 = 18688
  // downsample 8x8x4 -> 4x4x8, k1 s2: literal 2*64*(4+1)*8 = 5120   => 61696
  // exact: conv1 2*16*37*8 = 9472, conv2 18688, downsample 2*16*5*8 = 1280 => 29440
  const good: LayerSpec = {
    type: "block",
    convs: [
      { type: "conv", out: 8, kernel: 3, stride: 2, pad: 1 },
      { type: "conv", out: 8, kernel: 3, pad: 1 },
    ],
    downsample: { type: "conv", out: 8, kernel: 1, stride: 2 },
  };
  const lit = buildTable("b", [good], [8, 8, 4], 4, "literal");
  close(lit.layers[0].workGflop, 61696e-9, 1e-12, "block literal");
  assert.equal(lit.dBytes[1], 8 * 8 * 4 * 4);
  assert.deepEqual(lit.layers[0].outShape, [4, 4, 8]);
  const ex = buildTable("b", [good], [8, 8, 4], 4, "exact");
  close(ex.layers[0].workGflop, 29440e-9, 1e-12, "block exact");
});

Deno.test("LayerShapeError: an inner block conv that does not fit names its path", () => {
  const block: LayerSpec = {
    type: "block",
    convs: [{ type: "conv", out: 2, kernel: 1 }, { type: "conv", out: 2, kernel: 9 }],
  };
  const e = shapeError([block], [4, 4, 2]);
  assert.deepEqual(e.path, [0, "convs", 1, "kernel"]);
});
