import type { Rng, StepModel } from "@riff/core";
import { FrameConditions } from "./frame-conditions.js";

/** One decoder step: (prev_frame, condition, state) → (frame, next_state). */
export type DecoderStep = (prevFrame: Float32Array, condition: Float32Array, state: Float32Array) => Promise<{ frame: Float32Array; nextState: Float32Array }>;

export interface MelLoopState {
  /** Frames emitted so far. */
  frames: number;
  /** The frame fed to the next step (the last emitted frame plus noise). */
  prevFrame: Float32Array;
  state: Float32Array;
  /** All frames, frame-major (total × nMels), filled as the loop runs. */
  readonly mel: Float32Array;
}

export interface MelPrediction {
  readonly frame: Float32Array;
  readonly nextState: Float32Array;
}

export interface MelChoice {
  /** The frame that goes into the mel spectrogram (no noise). */
  readonly emitted: Float32Array;
  /** The copy fed back to the next step, with noise_scale · N(0, 1) added per value. */
  readonly fedBack: Float32Array;
  /** The decoder state after this frame. */
  readonly nextState: Float32Array;
}

export interface MelStepModelOptions {
  readonly decoder: DecoderStep;
  /** encodings [T × encodingDim], row-major. */
  readonly encodings: Float32Array;
  readonly encodingDim: number;
  /** Frames per token. */
  readonly durations: Int32Array;
  readonly nMels: number;
  readonly noiseScale: number;
}

/**
 * The autoregressive mel decoder on riff's step loop:
 * predict = one decoder.onnx run; sample = add seeded noise (noise_scale) to the fed-back copy of
 * the frame; update = append the frame and keep the state; stop = every frame of the last phone
 * emitted. Each frame's condition: frame-conditions.ts. This is voice.json's runtime_algorithm as
 * written; ArMelVoice runs the same frames a block per call (block-step-model.ts).
 */
export class MelStepModel implements StepModel<MelLoopState, MelPrediction, MelChoice> {
  readonly totalSteps: number;
  private readonly options: MelStepModelOptions;
  private readonly conditions: FrameConditions;

  constructor(options: MelStepModelOptions) {
    this.options = options;
    this.conditions = new FrameConditions(options.encodings, options.encodingDim, options.durations);
    this.totalSteps = this.conditions.totalFrames;
  }

  initialState(initialPrevFrame: number, stateSize: number): MelLoopState {
    return {
      frames: 0,
      prevFrame: new Float32Array(this.options.nMels).fill(initialPrevFrame),
      state: new Float32Array(stateSize),
      mel: new Float32Array(this.totalSteps * this.options.nMels),
    };
  }

  /** The condition vector of frame `t`. */
  conditionAt(t: number): Float32Array {
    return this.conditions.at(t);
  }

  predict(state: MelLoopState): Promise<MelPrediction> {
    return this.options.decoder(state.prevFrame, this.conditionAt(state.frames), state.state);
  }

  sample(prediction: MelPrediction, _state: MelLoopState, rng: Rng): MelChoice {
    const { noiseScale } = this.options;
    const { frame: emitted, nextState } = prediction;
    if (noiseScale === 0) return { emitted, fedBack: emitted, nextState };
    const fedBack = new Float32Array(emitted.length);
    for (let i = 0; i < emitted.length; i++) fedBack[i] = emitted[i]! + noiseScale * rng.normal();
    return { emitted, fedBack, nextState };
  }

  update(state: MelLoopState, choice: MelChoice): MelLoopState {
    state.mel.set(choice.emitted, state.frames * this.options.nMels);
    state.prevFrame = choice.fedBack;
    state.state = choice.nextState;
    state.frames++;
    return state;
  }

  stop(state: MelLoopState): string | undefined {
    return state.frames >= this.totalSteps ? "end" : undefined;
  }
}
