/**
 * e^x for the x ≤ 0 of softmax weights (exp(logit − max)), about 1.6× faster than Math.exp in the
 * samplers' loops, which compute one per vocabulary entry per token (2,048 a row for the default
 * model: most of top-p's cost). Within 2 ulp of the true value (tested against Math.exp); pure
 * arithmetic on constants written out below, so every platform gets the same bits for the same x,
 * which a seeded run needs.
 *
 * The usual table method: x = (64k + j)·ln2/64 + r with |r| ≤ ln2/128, so e^x = 2^k · 2^(j/64) · e^r,
 * 2^(j/64) from a 64-entry table (correctly rounded, from 60-digit decimal arithmetic), e^r from its
 * Taylor polynomial of degree 5 (the next term is below 4e-17), and ln2/64 split into a 29-bit
 * head, whose products with k are exact, and a tail. Outside [−708, 0] (and for NaN) it is Math.exp.
 */

/** 64/ln2, and ln2/64 as head + tail. */
const SCALE = 92.33248261689366;
const LN2_64_HEAD = 0.010830424667801708;
const LN2_64_TAIL = 2.8447437476627285e-11;
const ROUNDER = 6755399441055744;

/** 2^(j/64), j = 0 … 63. */
const ROOTS = Float64Array.from([
  1.0, 1.0108892860517005, 1.0218971486541166, 1.0330248790212284,
  1.0442737824274138, 1.0556451783605572, 1.0671404006768237, 1.0787607977571199,
  1.0905077326652577, 1.102382583307841, 1.1143867425958924, 1.1265216186082418,
  1.1387886347566916, 1.1511892299529827, 1.1637248587775775, 1.1763969916502812,
  1.189207115002721, 1.202156731452703, 1.215247359980469, 1.22848053610687,
  1.241857812073484, 1.255380757024691, 1.2690509571917332, 1.2828700160787783,
  1.2968395546510096, 1.3109612115247644, 1.3252366431597413, 1.339667524053303,
  1.3542555469368927, 1.3690024229745905, 1.383909881963832, 1.3989796725383112,
  1.4142135623730951, 1.42961333839197, 1.4451808069770467, 1.460917794180647,
  1.4768261459394993, 1.4929077282912648, 1.5091644275934228, 1.5255981507445384,
  1.5422108254079407, 1.559004400237837, 1.5759808451078865, 1.593142151342267,
  1.6104903319492543, 1.6280274218573478, 1.645755478153965, 1.6636765803267364,
  1.681792830507429, 1.7001063537185235, 1.718619298122478, 1.7373338352737062,
  1.7562521603732995, 1.7753764925265212, 1.7947090750031072, 1.8142521755003989,
  1.8340080864093424, 1.8539791250833855, 1.8741676341103, 1.8945759815869656,
  1.9152065613971474, 1.9360617934922943, 1.9571441241754002, 1.978456026387951,
]);

/** 2^e for e = −1022 … 0 (normal numbers only), index e + 1022. */
const POWERS = Float64Array.from({ length: 1023 }, (_, i) => 2 ** (i - 1022));

/** e^x; the fast path for −708 ≤ x ≤ 0, Math.exp elsewhere. */
export function expNonPositive(x: number): number {
  if (!(x >= -708 && x <= 0)) return Math.exp(x);
  // Adding and subtracting 1.5·2^52 rounds x·64/ln2 to the nearest integer (ties to even) in one step.
  const kd = x * SCALE + ROUNDER - ROUNDER;
  const k = kd | 0;
  const r = x - kd * LN2_64_HEAD - kd * LN2_64_TAIL;
  const p = 1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120)))));
  return ROOTS[k & 63]! * POWERS[(k >> 6) + 1022]! * p;
}
