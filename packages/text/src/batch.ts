import type { Decoder } from "./decoder.js";
import type { KvCache } from "./kv-cache.js";

/** The result of the prompt's one forward pass, rows already expanded. */
export interface Prefill {
  /** Row-major [rows, vocab]: next-token logits of every row. */
  readonly logits: Float32Array;
  readonly vocab: number;
  readonly cache: KvCache;
  /** Per row: its left padding (the attention mask is that many 0s, then 1s). */
  readonly pads: number[];
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
  const mask: number[] = [];
  const positions: number[] = [];
  const pads = prompts.map((prompt) => seq - prompt.length);
  for (const prompt of prompts) {
    const pad = seq - prompt.length;
    let position = 0;
    for (let i = 0; i < seq; i++) {
      const real = i >= pad;
      ids.push(real ? prompt[i - pad]! : padId);
      mask.push(real ? 1 : 0);
      positions.push(real ? position++ : 1);
    }
  }
  const out = await decoder.forward({
    ids,
    batch,
    seq,
    attentionMask: mask,
    positionIds: positions,
    cache: decoder.emptyCache(batch),
  });
  if (expand === 1) return { logits: out.logits, vocab: out.vocab, cache: out.cache, pads };
  const sources = Array.from({ length: batch * expand }, (_, r) => Math.floor(r / expand));
  const logits = new Float32Array(sources.length * out.vocab);
  sources.forEach((s, r) => logits.set(out.logits.subarray(s * out.vocab, (s + 1) * out.vocab), r * out.vocab));
  return { logits, vocab: out.vocab, cache: out.cache.gather(sources), pads: sources.map((s) => pads[s]!) };
}
