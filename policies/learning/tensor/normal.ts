/**
 * Fast seeded standard normals for the diffusion noise (hundreds of
 * thousands per training update): Marsaglia and Tsang's ziggurat (2000,
 * 128 layers) over an inline sfc32 generator whose state is drawn from an
 * engine {@linkcode Rng}. Fully determined by that Rng's state.
 *
 * @module
 */
import type { Rng } from "../../../engine/rng.ts";

const KN = new Uint32Array(128);
const WN = new Float64Array(128);
const FN = new Float64Array(128);
const R = 3.442619855899;
{
  const m1 = 2147483648.0;
  const vn = 9.91256303526217e-3;
  let dn = R;
  let tn = dn;
  const q = vn / Math.exp(-0.5 * dn * dn);
  KN[0] = Math.floor((dn / q) * m1);
  KN[1] = 0;
  WN[0] = q / m1;
  WN[127] = dn / m1;
  FN[0] = 1;
  FN[127] = Math.exp(-0.5 * dn * dn);
  for (let i = 126; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(vn / dn + Math.exp(-0.5 * dn * dn)));
    KN[i + 1] = Math.floor((dn / tn) * m1);
    tn = dn;
    FN[i] = Math.exp(-0.5 * dn * dn);
    WN[i] = dn / m1;
  }
}

/**
 * Fills `out` with independent N(0, 1) draws. Takes four 32-bit words from
 * `rng` to seed the inline generator, so consecutive calls differ and the
 * whole sequence is reproducible from `rng`'s state.
 */
export function fillNormal(rng: Rng, out: Float32Array): Float32Array {
  const st = new Int32Array([rng.nextU32(), rng.nextU32(), rng.nextU32(), 1]);
  for (let k = 0; k < 12; k++) sfc32(st);
  const n = out.length;
  for (let k = 0; k < n; k++) {
    const hz = sfc32(st);
    const iz = hz & 127;
    out[k] = Math.abs(hz) < KN[iz] ? hz * WN[iz] : slowPath(st, hz, iz);
  }
  return out;
}

/** One sfc32 step on `st` (a, b, c, counter); returns a signed 32-bit word. */
function sfc32(st: Int32Array): number {
  const a = st[0], b = st[1], c = st[2], d = st[3];
  const t = (((a + b) | 0) + d) | 0;
  st[3] = (d + 1) | 0;
  st[0] = b ^ (b >>> 9);
  st[1] = (c + (c << 3)) | 0;
  const r = (c << 21) | (c >>> 11);
  st[2] = (r + t) | 0;
  return t;
}

function uniform(st: Int32Array): number {
  return ((sfc32(st) >>> 0) + 0.5) / 4294967296;
}

/** The slow path of the ziggurat (Marsaglia-Tsang's nfix): the tail or a wedge. */
function slowPath(st: Int32Array, hz: number, iz: number): number {
  for (;;) {
    let x = hz * WN[iz];
    if (iz === 0) {
      let y: number;
      do {
        x = -Math.log(uniform(st)) * (1 / R);
        y = -Math.log(uniform(st));
      } while (y + y < x * x);
      return hz > 0 ? R + x : -R - x;
    }
    if (FN[iz] + uniform(st) * (FN[iz - 1] - FN[iz]) < Math.exp(-0.5 * x * x)) return x;
    hz = sfc32(st);
    iz = hz & 127;
    if (Math.abs(hz) < KN[iz]) return hz * WN[iz];
  }
}
