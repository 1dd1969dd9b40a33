/**
 * The unet's text conditioning for a run: the prompt (and, with classifier-free guidance, the
 * negative prompt) through the tokenizer and text encoder, one row per image.
 */
import type { Tensor } from "@riff/core";
import type { PromptEncoder } from "./text-encoder.js";
import type { PromptTokenizer } from "./tokenizer.js";

/**
 * [2n, L, D] with guidance (the n unconditional rows first, as diffusers concatenates them), else
 * [n, L, D]. A truncated prompt adds a warning.
 */
export async function encodePrompts(
  tokenizer: PromptTokenizer,
  encoder: PromptEncoder,
  prompts: { readonly prompt: string; readonly negativePrompt: string; readonly numImages: number },
  guided: boolean,
  warnings: string[],
): Promise<Tensor> {
  const cond = tokenizer.encode(prompts.prompt);
  if (cond.truncated) warnings.push(`the prompt is longer than ${tokenizer.length} tokens and was truncated`);
  const rows: Float32Array[] = [];
  if (guided) {
    const uncond = tokenizer.encode(prompts.negativePrompt);
    if (uncond.truncated) warnings.push(`the negative prompt is longer than ${tokenizer.length} tokens and was truncated`);
    const both = await encoder.encode([uncond, cond]);
    const item = both.data.length / 2;
    for (let i = 0; i < prompts.numImages; i++) rows.push(both.data.subarray(0, item));
    for (let i = 0; i < prompts.numImages; i++) rows.push(both.data.subarray(item));
    return stack(rows, both.dims);
  }
  const c = await encoder.encode([cond]);
  for (let i = 0; i < prompts.numImages; i++) rows.push(c.data);
  return stack(rows, c.dims);
}

function stack(rows: readonly Float32Array[], itemDims: readonly number[]): Tensor {
  const item = rows[0]?.length ?? 0;
  const data = new Float32Array(rows.length * item);
  rows.forEach((r, i) => data.set(r, i * item));
  return { data, dims: [rows.length, itemDims[1] ?? 0, itemDims[2] ?? 0] };
}
