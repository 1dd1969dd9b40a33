/**
 * Applies an allowed-token bitmask (xgrammar's layout: token t is allowed where bit t & 31 of word
 * t >> 5 is set) to one row of logits, a 32-bit word at a time: a word of allowed tokens is
 * skipped, a word of forbidden ones is filled, and in a mixed word only the zero bits are visited.
 * A grammar allows few tokens at most steps, so most words are whole.
 */
export function applyBitmask(mask: Int32Array, scores: Float32Array): void {
  const whole = Math.min(mask.length, scores.length >> 5);
  for (let word = 0; word < whole; word++) {
    const bits = mask[word]!;
    if (bits === -1) continue;
    const base = word << 5;
    if (bits === 0) {
      scores.fill(-Infinity, base, base + 32);
      continue;
    }
    // The forbidden tokens, lowest first: clz32 of the lowest set bit of ~bits names it.
    for (let rest = ~bits; rest !== 0; rest &= rest - 1) scores[base + 31 - Math.clz32(rest & -rest)] = -Infinity;
  }
  // A last, partial word (a vocabulary that is not a multiple of 32).
  if (whole < mask.length) {
    const bits = mask[whole]!;
    for (let t = whole << 5; t < scores.length; t++) if (((bits >>> (t & 31)) & 1) === 0) scores[t] = -Infinity;
  }
}
