import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { RiffError, type OptionInput } from "@riff/core";
import type { SESSION_LOAD_OPTIONS } from "@riff/onnx";
import { voiceLoadOptionsSchema } from "./speech-options.js";
import { PiperVoice } from "./piper/voice.js";
import { ArMelVoice } from "./ar-mel/voice.js";
import type { Voice } from "./voice.js";

/** loadVoice()'s options: see SESSION_LOAD_OPTIONS. */
export type LoadVoiceOptions = OptionInput<typeof SESSION_LOAD_OPTIONS>;

/**
 * A voice from a path: a folder with voice.json (riff's autoregressive mel voice, like the
 * embedded default), a Piper folder (voice.onnx + voice.onnx.json) or a Piper FILE.onnx.
 */
export async function loadVoice(path: string, given: LoadVoiceOptions = {}): Promise<Voice> {
  if (typeof path !== "string" || path === "") throw new RiffError("loadVoice needs the voice's path", "voice");
  const parsed = voiceLoadOptionsSchema.parse(given, "library");
  const options = parsed.threads === undefined ? {} : { threads: parsed.threads };
  if (!existsSync(path)) throw new RiffError(`voice not found: ${path}`, "voice");
  if (statSync(path).isDirectory() && existsSync(join(path, "voice.json"))) return ArMelVoice.load(path, options);
  return PiperVoice.load(path, options);
}
