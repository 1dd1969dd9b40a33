import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { RiffError } from "@riff/core";
import { PiperVoice } from "./piper/voice.js";
import { ArMelVoice } from "./ar-mel/voice.js";
import type { Voice } from "./voice.js";

export interface LoadVoiceOptions {
  /** onnxruntime intra-op threads (default: 1 for riff's mel voices, whose per-frame steps are too small to share; the available cores for Piper voices). */
  readonly threads?: number;
}

/**
 * A voice from a path: a folder with voice.json (riff's autoregressive mel voice, like the
 * embedded default), a Piper folder (voice.onnx + voice.onnx.json) or a Piper FILE.onnx.
 */
export async function loadVoice(path: string, options: LoadVoiceOptions = {}): Promise<Voice> {
  if (!existsSync(path)) throw new RiffError(`voice not found: ${path}`, "--voice");
  if (statSync(path).isDirectory() && existsSync(join(path, "voice.json"))) return ArMelVoice.load(path, options);
  return PiperVoice.load(path, options);
}
