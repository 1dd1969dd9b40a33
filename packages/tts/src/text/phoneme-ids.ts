/** A Piper-style phoneme map: each phoneme (one codepoint) → its id(s). */
export type PhonemeIdMap = Readonly<Record<string, readonly number[]>>;

export const BOS = "^";
export const EOS = "$";
export const PAD = "_";

export interface PhonemeIds {
  readonly ids: number[];
  /** Phonemes the map lacks, dropped, one entry per occurrence. */
  readonly missing: string[];
}

export interface PhonemeIdOptions {
  /** Put the pad id after BOS and after every phoneme (Piper's interspersePad; default true). */
  readonly interspersePad?: boolean;
  readonly addBos?: boolean;
  readonly addEos?: boolean;
}

/**
 * Piper's phonemes_to_ids: [^, _, p1, _, p2, _, …, pn, _, $]. Each codepoint of `phonemes` is a
 * phoneme; one the map lacks is dropped and reported in `missing` (never an error).
 */
export function phonemesToIds(phonemes: string, map: PhonemeIdMap, options: PhonemeIdOptions = {}): PhonemeIds {
  const { interspersePad = true, addBos = true, addEos = true } = options;
  const pad = interspersePad ? idsOf(map, PAD) : [];
  const ids: number[] = [];
  const missing: string[] = [];
  if (addBos) ids.push(...idsOf(map, BOS), ...pad);
  for (const phoneme of phonemes) {
    const found = map[phoneme];
    if (found === undefined) {
      missing.push(phoneme);
      continue;
    }
    ids.push(...found, ...pad);
  }
  if (addEos) ids.push(...idsOf(map, EOS));
  return { ids, missing };
}

function idsOf(map: PhonemeIdMap, symbol: string): readonly number[] {
  const found = map[symbol];
  if (found === undefined) throw new RangeError(`the phoneme map has no "${symbol}"`);
  return found;
}
