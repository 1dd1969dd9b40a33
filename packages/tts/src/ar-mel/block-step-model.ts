import type { Rng, StepModel } from "@riff/core";
import type { FrameConditions } from "./frame-conditions.js";
import type { MelLoopState } from "./step-model.js";

/** A block of decoder steps in one call (decoder-loop.ts): `count` frames from (prevFrame, state), given each frame's condition and noise. */
export type DecoderBlock = (block: {
  readonly count: number;
  readonly prevFrame: Float32Array;
  readonly state: Float32Array;
  /** count × conditionDim. */
  readonly conditions: Float32Array;
  /** count × nMels: what is added, in float64, to each frame's fed-back copy. */
  readonly noise: Float64Array;
}) => Promise<{ readonly frames: Float32Array; readonly prevFrame: Float32Array; readonly state: Float32Array }>;

export interface MelBlockState extends MelLoopState {
  /** The noise of the block predict() runs next (drawn by initialState, then by each step's sample). */
  noise: Float64Array;
}

export interface MelBlockPrediction {
  /** count × nMels emitted frames. */
  readonly frames: Float32Array;
  readonly prevFrame: Float32Array;
  readonly state: Float32Array;
}

export interface MelBlockChoice extends MelBlockPrediction {
  /** The noise of the block after this one. */
  readonly nextNoise: Float64Array;
}

export interface MelBlockOptions {
  readonly run: DecoderBlock;
  readonly conditions: FrameConditions;
  /** Frames per step (the last block has the rest). */
  readonly blockFrames: number;
  readonly nMels: number;
  readonly noiseScale: number;
}

/**
 * MelStepModel's frames, a block of them per step of riff's step loop: predict = one
 * decoder run over the block's frames (their conditions from the frame model, their noise drawn
 * before); sample = draw the next block's noise, noise_scale · N(0, 1) per value in frame order —
 * the numbers the frame model draws, in its order, so a seed gives the same frames; update = append
 * the block and keep the last fed-back frame and state; stop = every frame emitted.
 */
export class MelBlockStepModel implements StepModel<MelBlockState, MelBlockPrediction, MelBlockChoice> {
  readonly totalSteps: number;
  /** Frames of the sentence. */
  readonly totalFrames: number;
  private readonly options: MelBlockOptions;
  /** The block's conditions, count × conditionDim (filled anew for each block). */
  private readonly blockConditions: Float32Array;

  constructor(options: MelBlockOptions) {
    this.options = options;
    this.totalFrames = options.conditions.totalFrames;
    this.totalSteps = Math.ceil(this.totalFrames / options.blockFrames);
    this.blockConditions = new Float32Array(options.blockFrames * options.conditions.dim);
  }

  /** The frame model's initial state (the frames' buffer made now), with the first block's noise drawn from `rng`. */
  initialState(initialPrevFrame: number, stateSize: number, rng: Rng): MelBlockState {
    return {
      frames: 0,
      prevFrame: new Float32Array(this.options.nMels).fill(initialPrevFrame),
      state: new Float32Array(stateSize),
      mel: new Float32Array(this.totalFrames * this.options.nMels),
      noise: this.drawNoise(0, rng),
    };
  }

  predict(state: MelBlockState): Promise<MelBlockPrediction> {
    const count = this.blockSize(state.frames);
    const { conditions, run } = this.options;
    for (let i = 0; i < count; i++) this.blockConditions.set(conditions.at(state.frames + i), i * conditions.dim);
    return run({ count, prevFrame: state.prevFrame, state: state.state, conditions: this.blockConditions.subarray(0, count * conditions.dim), noise: state.noise });
  }

  sample(prediction: MelBlockPrediction, state: MelBlockState, rng: Rng): MelBlockChoice {
    return { ...prediction, nextNoise: this.drawNoise(state.frames + this.blockSize(state.frames), rng) };
  }

  update(state: MelBlockState, choice: MelBlockChoice): MelBlockState {
    state.mel.set(choice.frames, state.frames * this.options.nMels);
    state.frames += choice.frames.length / this.options.nMels;
    state.prevFrame = choice.prevFrame;
    state.state = choice.state;
    state.noise = choice.nextNoise;
    return state;
  }

  stop(state: MelBlockState): string | undefined {
    return state.frames >= this.totalFrames ? "end" : undefined;
  }

  /** Frames in the block that starts at frame `first`. */
  private blockSize(first: number): number {
    return Math.max(0, Math.min(this.options.blockFrames, this.totalFrames - first));
  }

  /** The block from frame `first`'s noise: −0 throughout for no noise (x + −0 is x, −0 included), without a draw. */
  private drawNoise(first: number, rng: Rng): Float64Array {
    const { nMels, noiseScale } = this.options;
    const noise = new Float64Array(this.blockSize(first) * nMels);
    if (noiseScale === 0) return noise.fill(-0);
    for (let i = 0; i < noise.length; i++) noise[i] = noiseScale * rng.normal();
    return noise;
  }
}
