/**
 * A Piper voice's synthesis scales, declared once: the `inference` section of voice.onnx.json
 * (noise_scale, length_scale, noise_w) and PiperVoice.load's `inference` overrides (noiseScale,
 * lengthScale, noiseW) are both validated by this table, each in its own vocabulary.
 */
import { z } from "zod";
import { OptionSchema, type OptionInput, type OptionOutput } from "@riff/core";

export const PIPER_INFERENCE_OPTIONS = {
  noiseScale: { type: z.number().min(0).max(10), hf: "noise_scale", doc: "noise added to the prior (0 = no randomness)", default: "0.667" },
  lengthScale: { type: z.number().gt(0).max(20), hf: "length_scale", doc: "phoneme durations are multiplied by it (riff's speed divides it)", default: "1" },
  noiseW: { type: z.number().min(0).max(10), hf: "noise_w", doc: "noise added to the duration predictor", default: "0.8" },
} as const;

export const piperInferenceSchema = new OptionSchema("Piper inference", PIPER_INFERENCE_OPTIONS);

export type PiperInference = OptionInput<typeof PIPER_INFERENCE_OPTIONS>;

/** Piper's own defaults, for a config without an inference section. */
export const PIPER_INFERENCE_DEFAULTS: Required<OptionOutput<typeof PIPER_INFERENCE_OPTIONS>> = { noiseScale: 0.667, lengthScale: 1, noiseW: 0.8 };
