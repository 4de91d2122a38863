/**
 * Channel model against hand values: MODEL.md eqs. (1), (2), (4), (5) with
 * the unit choices A1 (linear gain, d floored at 1 m) and A2 (t = 8 D / R).
 *
 * Expected values are written out in dB arithmetic (an independent route
 * from the code's linear-gain product) or as plain numbers.
 */
import assert from "node:assert/strict";
import {
  dbmToW,
  type LinkBudget,
  pathGainDb,
  type PathLoss,
  rateBps,
  rayleighPower,
  transmitDelayS,
} from "../../../engine/model/channel.ts";

// MODEL.md section 3.
const V2I: PathLoss = { interceptDb: 38.4, slopeDb: 21.0 };
const V2V: PathLoss = { interceptDb: 44.23, slopeDb: 16.7 };
const BANDWIDTH_HZ = 10e6;
const TX_DBM = 23;
const NOISE_DBM = -114;

function close(actual: number, expected: number, rel: number, what: string) {
  assert.ok(
    Math.abs(actual - expected) <= rel * Math.abs(expected),
    `${what}: got ${actual}, expected ${expected}`,
  );
}

/** Shannon rate from an SNR given in dB: B log2(1 + 10^(snr/10)). */
function rateFromSnrDb(bandwidthHz: number, snrDb: number): number {
  return bandwidthHz * Math.log2(1 + Math.pow(10, snrDb / 10));
}

Deno.test("dbmToW: 23 dBm = 0.1995 W, -114 dBm = 3.98e-15 W, 30 dBm = 1 W", () => {
  // 10^((23-30)/10) = 10^-0.7 = 0.199526...
  close(dbmToW(23), 0.19952623149688797, 1e-12, "23 dBm");
  assert.ok(Math.abs(dbmToW(23) - 0.1995) < 5e-5);
  // 10^((-114-30)/10) = 10^-14.4 = 3.981e-15
  close(dbmToW(-114), 3.981071705534972e-15, 1e-12, "-114 dBm");
  assert.ok(Math.abs(dbmToW(-114) - 3.98e-15) < 5e-18);
  assert.equal(dbmToW(30), 1);
  close(dbmToW(0), 1e-3, 1e-12, "0 dBm");
});

Deno.test("pathGainDb: V2I -38.4 - 21 log10 d, V2V -44.23 - 16.7 log10 d", () => {
  // d = 100 m: log10 d = 2.
  close(pathGainDb(V2I, 100), -80.4, 1e-12, "V2I 100 m");
  close(pathGainDb(V2V, 100), -77.63, 1e-12, "V2V 100 m");
  // d = 10 m: log10 d = 1.
  close(pathGainDb(V2I, 10), -59.4, 1e-12, "V2I 10 m");
  close(pathGainDb(V2V, 10), -60.93, 1e-12, "V2V 10 m");
  // d = 1000 m: log10 d = 3.
  close(pathGainDb(V2I, 1000), -101.4, 1e-12, "V2I 1 km");
  close(pathGainDb(V2V, 1000), -94.33, 1e-12, "V2V 1 km");
});

Deno.test("pathGainDb: d is floored at 1 m (A1)", () => {
  assert.equal(pathGainDb(V2I, 1), -38.4);
  assert.equal(pathGainDb(V2I, 0.25), -38.4);
  assert.equal(pathGainDb(V2I, 0), -38.4);
  assert.equal(pathGainDb(V2V, 0.5), -44.23);
});

const BUDGET: LinkBudget = { bandwidthHz: BANDWIDTH_HZ, noiseW: dbmToW(NOISE_DBM) };

Deno.test("rateBps: V2I at 100 m, SNR 56.6 dB -> ~188.02 Mbit/s (A1)", () => {
  // SNR = 23 dBm - 80.4 dB - (-114 dBm) = 56.6 dB
  // R = 1e7 * log2(1 + 10^5.66) = 1e7 * 18.8021... = 188.02 Mbit/s
  const snrDb = TX_DBM - (38.4 + 21 * 2) - NOISE_DBM;
  close(snrDb, 56.6, 1e-12, "SNR");
  const expected = rateFromSnrDb(BANDWIDTH_HZ, snrDb);
  close(expected, 188.021e6, 1e-5, "hand rate");
  close(rateBps(BUDGET, V2I, dbmToW(TX_DBM), 100, 1), expected, 1e-9, "V2I rate");
});

Deno.test("rateBps: V2V at 100 m, SNR 59.37 dB -> ~197.22 Mbit/s (A1)", () => {
  // SNR = 23 - 77.63 + 114 = 59.37 dB; R = 1e7 * log2(1 + 10^5.937) = 197.22 Mbit/s
  const snrDb = TX_DBM - (44.23 + 16.7 * 2) - NOISE_DBM;
  close(snrDb, 59.37, 1e-12, "SNR");
  const expected = rateFromSnrDb(BANDWIDTH_HZ, snrDb);
  close(expected, 197.223e6, 1e-5, "hand rate");
  close(rateBps(BUDGET, V2V, dbmToW(TX_DBM), 100, 1), expected, 1e-9, "V2V rate");
});

Deno.test("rateBps: fading power multiplies the linear SNR", () => {
  // |u|^2 = 0.5 lowers the SNR by 10 log10 2 = 3.0103 dB; |u|^2 = 4 raises it by 6.0206 dB.
  const base = TX_DBM - (38.4 + 21 * Math.log10(250)) - NOISE_DBM;
  for (const fade of [0.5, 4, 1e-3]) {
    const expected = rateFromSnrDb(BANDWIDTH_HZ, base + 10 * Math.log10(fade));
    close(rateBps(BUDGET, V2I, dbmToW(TX_DBM), 250, fade), expected, 1e-9, `fade ${fade}`);
  }
  // No power, no rate.
  assert.equal(rateBps(BUDGET, V2I, dbmToW(TX_DBM), 250, 0), 0);
});

Deno.test("rateBps: round numbers (SNR 3 -> 2 bit/s/Hz, SNR 7 -> 3 bit/s/Hz)", () => {
  // Intercept 0, slope 20: gain at 10 m = 10^(-20/10) = 0.01; p = 3 W, noise 0.01 W -> SNR 3.
  const budget: LinkBudget = { bandwidthHz: 1e6, noiseW: 0.01 };
  close(rateBps(budget, { interceptDb: 0, slopeDb: 20 }, 3, 10, 1), 2e6, 1e-12, "SNR 3");
  // Intercept 10, slope 0: gain 0.1 everywhere; p = 0.7 W -> SNR 7 -> 3e6 bit/s.
  close(rateBps(budget, { interceptDb: 10, slopeDb: 0 }, 0.7, 123, 1), 3e6, 1e-12, "SNR 7");
});

Deno.test("rateBps: d is floored at 1 m (A1)", () => {
  // At d <= 1 m the gain is 10^(-38.4/10): SNR = 23 - 38.4 + 114 = 98.6 dB.
  const expected = rateFromSnrDb(BANDWIDTH_HZ, TX_DBM - 38.4 - NOISE_DBM);
  for (const d of [1, 0.5, 0.01, 0]) {
    const r = rateBps(BUDGET, V2I, dbmToW(TX_DBM), d, 1);
    assert.ok(Number.isFinite(r), `finite at ${d} m`);
    close(r, expected, 1e-9, `V2I at ${d} m`);
  }
  close(
    rateBps(BUDGET, V2V, dbmToW(TX_DBM), 0, 1),
    rateFromSnrDb(BANDWIDTH_HZ, TX_DBM - 44.23 - NOISE_DBM),
    1e-9,
    "V2V at 0 m",
  );
});

Deno.test("rateBps decreases with distance", () => {
  let prev = Infinity;
  for (const d of [1, 5, 20, 100, 300, 700]) {
    const r = rateBps(BUDGET, V2I, dbmToW(TX_DBM), d, 1);
    assert.ok(r < prev, `rate at ${d} m`);
    prev = r;
  }
});

Deno.test("transmitDelayS: t = 8 D / R (A2)", () => {
  // 1,000,000 B at 2 Mbit/s: 8e6 / 2e6 = 4 s.
  assert.equal(transmitDelayS(1_000_000, 2e6), 4);
  // 250,000 B at 3 Mbit/s: 2e6 / 3e6 = 0.6667 s.
  close(transmitDelayS(250_000, 3e6), 2 / 3, 1e-12, "2/3 s");
  // Raw VGG16 input (602,112 B = 4.817 Mbit) over V2I at 100 m (188.02 Mbit/s): ~25.6 ms.
  const r = rateFromSnrDb(BANDWIDTH_HZ, 56.6);
  close(transmitDelayS(602_112, r), (602_112 * 8) / r, 1e-12, "VGG16 input");
  assert.ok(Math.abs(transmitDelayS(602_112, r) - 0.0256) < 1e-4);
  // Nothing to send (phi = L + 1): zero, whatever the rate.
  assert.equal(transmitDelayS(0, 1e6), 0);
  assert.equal(transmitDelayS(0, 0), 0);
});

Deno.test("rayleighPower: |u|^2 = -ln(uniform), Exp(1) by inversion", () => {
  close(rayleighPower(Math.exp(-2)), 2, 1e-12, "e^-2");
  close(rayleighPower(0.5), Math.LN2, 1e-12, "0.5");
  assert.ok(rayleighPower(1) === 0); // -0 is fine: uniforms never reach 1
  // The mean of -ln U over a fine midpoint grid of (0,1) is close to 1.
  const n = 100_000;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += rayleighPower((i + 0.5) / n);
  assert.ok(Math.abs(sum / n - 1) < 1e-3, `mean ${sum / n}`);
});
