/**
 * Narrows top-p's candidates before they are ranked: weights binned by depth below the top logit
 * (whole units of logit: bin d holds the tokens with top − logit in [d, d + 1)) show in one cheap
 * pass which depth the nucleus ends at, and only the tokens that shallow go on to the ranking.
 * A nucleus of a few dozen tokens in a vocabulary of thousands is then ranked among about a
 * hundred, not among all. Everything ranked above a kept token is kept (a higher logit is never
 * deeper), so the ranking's running sums over the kept tokens are those over the whole row.
 */

/** Bins 0 … DEPTHS − 1, then one for everything deeper. */
const DEPTHS = 32;
const mass = new Float64Array(DEPTHS + 1);

/**
 * Compacts order[0..count) to the candidates no deeper than the first depth bin at which the
 * binned weights, summed bin by bin, satisfy `reached`; returns how many are left (`count` when
 * only the deepest bin gets there). The kept ids stay in their order.
 */
export function narrowByDepth(
  logits: Float32Array,
  top: number,
  order: Int32Array,
  weights: Float64Array,
  count: number,
  reached: (mass: number) => boolean,
): number {
  mass.fill(0);
  for (let j = 0; j < count; j++) {
    const id = order[j]!;
    const depth = top - logits[id]!;
    const bin = depth < DEPTHS ? depth | 0 : DEPTHS;
    mass[bin] = mass[bin]! + weights[id]!;
  }
  let sum = 0;
  let last = DEPTHS;
  for (let d = 0; d < DEPTHS; d++) {
    sum += mass[d]!;
    if (reached(sum)) {
      last = d;
      break;
    }
  }
  if (last === DEPTHS) return count;
  const floor = top - (last + 1);
  let kept = 0;
  for (let j = 0; j < count; j++) {
    const id = order[j]!;
    if (logits[id]! > floor) order[kept++] = id;
  }
  return kept;
}
