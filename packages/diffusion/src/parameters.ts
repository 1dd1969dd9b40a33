import { findScheduler } from "@riff/core";

/**
 * The generation parameters as AUTOMATIC1111 writes them into a PNG's "parameters" text chunk:
 *
 *   <prompt>
 *   Negative prompt: <negative>            (only when there is one)
 *   Steps: 20, Sampler: DPM++ 2M, CFG scale: 4, Seed: 1, Size: 32x32, Model: shapes-diffusion
 */
export interface GenerationParameters {
  readonly prompt: string;
  readonly negativePrompt?: string | undefined;
  readonly steps: number;
  /** A1111 sampler name, e.g. "DPM++ 2M Karras" (see {@link samplerLabel}). */
  readonly sampler: string;
  /** Omitted for models without text conditioning. */
  readonly guidanceScale?: number | undefined;
  readonly seed: number;
  readonly width: number;
  readonly height: number;
  readonly model: string;
  /** img2img only. */
  readonly strength?: number | undefined;
}

/** One-line values must not break the "key: value, key: value" line. */
function clean(value: string): string {
  return value.replace(/[\r\n]+/g, " ").replace(/,/g, " ").trim();
}

export function formatParameters(p: GenerationParameters): string {
  const lines = [p.prompt];
  if (p.negativePrompt) lines.push(`Negative prompt: ${p.negativePrompt.replace(/[\r\n]+/g, " ")}`);
  const fields: string[] = [`Steps: ${p.steps}`, `Sampler: ${clean(p.sampler)}`];
  if (p.guidanceScale !== undefined) fields.push(`CFG scale: ${p.guidanceScale}`);
  fields.push(`Seed: ${p.seed}`, `Size: ${p.width}x${p.height}`, `Model: ${clean(p.model)}`);
  if (p.strength !== undefined) fields.push(`Denoising strength: ${p.strength}`);
  lines.push(fields.join(", "));
  return lines.join("\n");
}

/** The A1111 name of a diffusers scheduler class (DPMSolverMultistepScheduler + Karras → "DPM++ 2M Karras"). */
export function samplerLabel(className: string, karras = false): string {
  const base = findScheduler(className)?.label ?? className;
  return karras ? `${base} Karras` : base;
}
