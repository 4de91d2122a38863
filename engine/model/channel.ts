/**
 * Channel model: V2I and V2V rates, MODEL.md eqs. (1)-(2), with the unit
 * choices of A1 (linear gain) and A2 (bytes to bits).
 *
 * @module
 */

/** Log-distance path loss `g = -(interceptDb + slopeDb * log10 d)` in dB. */
export interface PathLoss {
  interceptDb: number;
  slopeDb: number;
}

/** Link-budget constants shared by all links. */
export interface LinkBudget {
  bandwidthHz: number;
  noiseW: number;
}

/** dBm to watts. */
export function dbmToW(dbm: number): number {
  return 10 ** ((dbm - 30) / 10);
}

/** Path gain in dB at `distanceM` (MODEL.md eq. (1)/(2), g term); d is floored at 1 m (A1). */
export function pathGainDb(loss: PathLoss, distanceM: number): number {
  return -(loss.interceptDb + loss.slopeDb * Math.log10(Math.max(distanceM, 1)));
}

/**
 * Shannon rate in bit/s, MODEL.md eq. (1) (V2I) and (2) (V2V):
 * R = B log2(1 + p h / sigma^2), h = 10^(g/10) |u|^2 (A1).
 */
export function rateBps(
  budget: LinkBudget,
  loss: PathLoss,
  txPowerW: number,
  distanceM: number,
  fadingPower: number,
): number {
  const d = Math.max(distanceM, 1);
  // 10^(g/10) = 10^(-intercept/10) * d^(-slope/10)
  const gain = 10 ** (-loss.interceptDb / 10) * d ** (-loss.slopeDb / 10);
  return budget.bandwidthHz * Math.log2(1 + (txPowerW * gain * fadingPower) / budget.noiseW);
}

/** Transmission delay in s, MODEL.md eqs. (4)-(5) with D in bytes and R in bit/s (A2). */
export function transmitDelayS(dataBytes: number, rate: number): number {
  return dataBytes === 0 ? 0 : (8 * dataBytes) / rate;
}

/** |u|^2 for u ~ CN(0,1) from a uniform in (0,1): Exp(1) by inversion. */
export function rayleighPower(uniform: number): number {
  return -Math.log(uniform);
}
