import type { Decoder } from "./decoder.js";
import type { KvCache } from "./kv-cache.js";

/** The result of the prompt's one forward pass, rows already expanded. */
export interface Prefill {
  /** Row-major [rows, vocab]: next-token logits of every row. */
  readonly logits: Float32Array;
  readonly vocab: number;
  readonly cache: KvCache;
  /** Per row: the attention mask so far (0 over left padding). */
  readonly masks: number[][];
}

/**
 * Runs the prompts through the decoder once, left-padded to the longest (padding masked out;
 * position ids = cumsum(mask) − 1, as transformers computes them), then repeats each prompt's row
 * `expand` times (num_beams or num_return_sequences) by gathering the cache, so the prompt is
 * computed once per prompt, never per beam.
 */
export async function prefill(decoder: Decoder, prompts: readonly (readonly number[])[], padId: number, expand: number): Promise<Prefill> {
  const batch = prompts.length;
  const seq = Math.max(...prompts.map((p) => p.length));
  const ids: number[] = [];
  const masks: number[][] = [];
  const positions: number[] = [];
  for (const prompt of prompts) {
    const pad = seq - prompt.length;
    const mask: number[] = [];
    let position = 0;
    for (let i = 0; i < seq; i++) {
      const real = i >= pad;
      ids.push(real ? prompt[i - pad]! : padId);
      mask.push(real ? 1 : 0);
      positions.push(real ? position++ : 1);
    }
    masks.push(mask);
  }
  const out = await decoder.forward({
    ids,
    batch,
    seq,
    attentionMask: masks.flat(),
    positionIds: positions,
    cache: decoder.emptyCache(batch),
  });
  if (expand === 1) return { logits: out.logits, vocab: out.vocab, cache: out.cache, masks };
  const sources = Array.from({ length: batch * expand }, (_, r) => Math.floor(r / expand));
  const logits = new Float32Array(sources.length * out.vocab);
  sources.forEach((s, r) => logits.set(out.logits.subarray(s * out.vocab, (s + 1) * out.vocab), r * out.vocab));
  return { logits, vocab: out.vocab, cache: out.cache.gather(sources), masks: sources.map((s) => [...masks[s]!]) };
}

/** The flat [rows, length] mask and each row's next position (its count of real tokens − 1). */
export function stepInputs(masks: readonly (readonly number[])[]): { attentionMask: number[]; positionIds: number[] } {
  const attentionMask: number[] = [];
  const positionIds: number[] = [];
  for (const mask of masks) {
    let real = 0;
    for (const m of mask) {
      attentionMask.push(m);
      real += m;
    }
    positionIds.push(real - 1);
  }
  return { attentionMask, positionIds };
}
