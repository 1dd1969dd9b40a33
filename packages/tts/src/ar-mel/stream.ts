import { RiffError, runSteps, type Rng } from "@riff/core";
import type { MelLoopState, MelStepModel } from "./step-model.js";
import type { MelVocoderStream } from "./vocoder.js";

export interface MelAudioStreamOptions {
  readonly rng: Rng;
  readonly nMels: number;
  readonly signal?: AbortSignal | undefined;
}

/**
 * Runs the mel decoder on the step loop and hands each frame to the vocoder as soon as it is made,
 * yielding the samples the vocoder finishes on the way: the first audio leaves after the first
 * block of frames, not after the last frame of the sentence.
 */
export async function* streamMelAudio(
  model: MelStepModel,
  initial: MelLoopState,
  vocoder: MelVocoderStream,
  options: MelAudioStreamOptions,
): AsyncGenerator<Float32Array, void> {
  const steps = runSteps(model, initial, { rng: options.rng, maxSteps: model.totalSteps, signal: options.signal });
  for (;;) {
    const next = await steps.next();
    if (next.done) {
      if (next.value.stopReason === "aborted") throw new RiffError("speech synthesis was aborted");
      return;
    }
    const { state } = next.value;
    const piece = vocoder.push(state.mel, (state.frames - 1) * options.nMels);
    if (piece.length > 0) yield piece;
  }
}
