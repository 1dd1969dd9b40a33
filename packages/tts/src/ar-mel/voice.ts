import { RiffError } from "@riff/core";
import type { EncodedSentence, SynthesisOptions, Voice } from "../voice.js";

/** riff's autoregressive mel voice (placeholder until the voice format is fixed). */
export class ArMelVoice implements Voice {
  readonly kind = "riff-ar-mel";
  readonly path = "";
  readonly sampleRate = 22050;
  readonly speakers = new Map<string, number>();
  readonly numSpeakers = 1;
  static async load(path: string, _options: { threads?: number } = {}): Promise<ArMelVoice> {
    throw new RiffError(`${path}: voice.json voices are not supported yet`);
  }
  async encode(_sentence: string): Promise<EncodedSentence> {
    throw new Error("unreachable");
  }
  async synthesize(_ids: readonly number[], _options: SynthesisOptions): Promise<Float32Array> {
    throw new Error("unreachable");
  }
  async dispose(): Promise<void> {}
}
