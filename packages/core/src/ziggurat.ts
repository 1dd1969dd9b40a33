/**
 * Tables of the ziggurat method for standard normal variates (Marsaglia & Tsang 2000, "The
 * Ziggurat Method for Generating Random Variables", 128 layers). Most draws cost one 32-bit integer,
 * one table compare and one multiply, which matters where a sampler needs fresh noise over a whole
 * image every step (Euler ancestral, DDPM). Built once from the paper's constants; only V8's
 * deterministic Math.exp/log/sqrt are used, so the tables are the same on every platform.
 */
export interface ZigguratTables {
  /** Acceptance bounds on |hz| per layer (the rectangle's fully-inside share, scaled by 2³¹). */
  readonly k: Float64Array;
  /** Layer widths scaled by 2⁻³¹: x = hz · w[layer]. */
  readonly w: Float64Array;
  /** exp(−x²/2) at each layer's right edge. */
  readonly f: Float64Array;
}

/** Start of the tail, and the area of each layer, for 128 layers. */
export const ZIGGURAT_R = 3.442619855899;
const AREA = 9.91256303526217e-3;
const M1 = 2147483648;

export function zigguratTables(): ZigguratTables {
  const k = new Float64Array(128);
  const w = new Float64Array(128);
  const f = new Float64Array(128);
  let dn = ZIGGURAT_R;
  let tn = dn;
  const q = AREA / Math.exp(-0.5 * dn * dn);
  k[0] = (dn / q) * M1;
  k[1] = 0;
  w[0] = q / M1;
  w[127] = dn / M1;
  f[0] = 1;
  f[127] = Math.exp(-0.5 * dn * dn);
  for (let i = 126; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(AREA / dn + Math.exp(-0.5 * dn * dn)));
    k[i + 1] = (dn / tn) * M1;
    tn = dn;
    f[i] = Math.exp(-0.5 * dn * dn);
    w[i] = dn / M1;
  }
  return { k, w, f };
}
