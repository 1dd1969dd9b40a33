import type { PhonemeIdMap } from "../text/phoneme-ids.js";

/**
 * The riff-ar-mel token rule (voice.json phonemes_to_ids), unlike Piper's:
 * ['^'] + clause_1 + [',', ' '] + clause_2 + … + clause_n + ['.'] + ['$'], each clause (espeak's
 * IPA for one clause, trimmed) split into code points, no pad interspersed; symbols the map lacks
 * are dropped and reported.
 */
export function clausesToSymbols(clauses: readonly string[]): string[] {
  const symbols = ["^"];
  clauses.forEach((clause, i) => {
    if (i > 0) symbols.push(",", " ");
    symbols.push(...clause.trim());
  });
  symbols.push(".", "$");
  return symbols;
}

export function symbolsToIds(symbols: readonly string[], map: PhonemeIdMap): { ids: number[]; missing: string[] } {
  const ids: number[] = [];
  const missing: string[] = [];
  for (const symbol of symbols) {
    const found = map[symbol];
    if (found === undefined) missing.push(symbol);
    else ids.push(found[0]!);
  }
  return { ids, missing };
}

/**
 * Frames per token from the encoder's log durations (ln(1 + frames)):
 * n_p = max(0, floor((exp(ld_p) − 1)·lengthScale + 0.5)); if every n_p is 0, n_0 = 1.
 */
export function durationsFromLog(logDurations: ArrayLike<number>, lengthScale: number): Int32Array {
  const frames = new Int32Array(logDurations.length);
  let total = 0;
  for (let p = 0; p < frames.length; p++) {
    frames[p] = Math.max(0, Math.floor((Math.exp(logDurations[p]!) - 1) * lengthScale + 0.5));
    total += frames[p]!;
  }
  if (total === 0 && frames.length > 0) frames[0] = 1;
  return frames;
}
