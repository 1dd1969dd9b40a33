import type { Rng, Scheduler, StepModel, Tensor } from "@riff/core";

/** The loop state: the current (noisy) samples or latents of the whole batch, [n, c, h, w] flat. */
export interface DenoiseState {
  readonly sample: Float32Array;
}

/** What the loop needs of a unet (UNet implements it; tests can fake it). */
export interface Denoiser {
  predict(
    sample: Float32Array,
    dims: readonly [number, number, number, number],
    t: number,
    context?: Tensor,
    outChannels?: number,
  ): Promise<Float32Array>;
}

export interface DenoiseSetup {
  readonly unet: Denoiser;
  readonly scheduler: Scheduler;
  /** The timesteps to visit, in order (all of scheduler.timesteps, or a tail of them for img2img). */
  readonly timesteps: ArrayLike<number>;
  readonly dims: readonly [number, number, number, number];
  /**
   * Text conditioning. With guidance: [2n, L, D], the n unconditional rows first, then the n
   * conditional ones (diffusers' order). Without: [n, L, D].
   */
  readonly context?: Tensor | undefined;
  /**
   * Channels appended to every scaled sample before the unet sees it, [n, e, h, w]: inpainting's
   * mask ⊕ masked-image latents (diffusers' StableDiffusionInpaintPipeline with a 9-channel unet).
   * With guidance both halves of the batch get them. The unet still returns dims' c channels.
   */
  readonly extra?: { readonly data: Float32Array; readonly channels: number } | undefined;
  /** Classifier-free guidance scale; guidance runs when this is set (callers pass it only when > 1). */
  readonly guidanceScale?: number | undefined;
  /**
   * Called after each unet call with its wall time in ms, before guidance and the scheduler step,
   * so callers can split a step's time into denoiser and scheduler-plus-guidance overhead.
   */
  readonly onUnetMs?: ((ms: number) => void) | undefined;
}

export const DONE = "done";

/**
 * Denoising as a {@link StepModel} for core's runSteps: predict = the unet (conditional and
 * unconditional halves batched into one call, then ε = ε_u + g·(ε_c − ε_u)); sample = the
 * scheduler's step (its noise drawn from the loop's rng); update = the new sample; stop after the
 * last timestep.
 */
export function denoiseModel(setup: DenoiseSetup): StepModel<DenoiseState, Float32Array, Float32Array> {
  const { unet, scheduler, timesteps, dims, context, guidanceScale, onUnetMs, extra } = setup;
  const guided = guidanceScale !== undefined;
  const [n, c, h, w] = dims;
  const size = n * c * h * w;
  const e = extra?.channels ?? 0;
  if (extra && extra.data.length !== n * e * h * w) throw new RangeError(`extra unet channels have ${extra.data.length} values, not [${n}, ${e}, ${h}, ${w}]`);
  const inputDims = (batch: number): [number, number, number, number] => [batch, c + e, h, w];
  const at = (step: number): number => {
    const t = timesteps[step];
    if (t === undefined) throw new RangeError(`denoise step ${step} is past the last timestep`);
    return t;
  };
  // The unet's input is read only during its call, so one buffer serves every step.
  const inputSize = n * (c + e) * h * w;
  const buffer = new Float32Array(guided ? 2 * inputSize : extra ? inputSize : 0);
  /** The unet input: each item's scaled sample channels, then its extra channels; twice with guidance. */
  const unetInput = (scaled: Float32Array): Float32Array => {
    if (!extra) {
      if (!guided) return scaled;
      buffer.set(scaled, 0);
      buffer.set(scaled, size);
      return buffer;
    }
    const plane = h * w;
    for (let half = 0; half < (guided ? 2 : 1); half++) {
      for (let i = 0; i < n; i++) {
        const at = half * inputSize + i * (c + e) * plane;
        buffer.set(scaled.subarray(i * c * plane, (i + 1) * c * plane), at);
        buffer.set(extra.data.subarray(i * e * plane, (i + 1) * e * plane), at + c * plane);
      }
    }
    return buffer;
  };
  return {
    totalSteps: timesteps.length,
    async predict(state, step) {
      const t = at(step);
      const input = scheduler.scaleModelInput(state.sample, t);
      const timed = async (x: Float32Array, d: readonly [number, number, number, number]): Promise<Float32Array> => {
        const start = performance.now();
        const out = await unet.predict(x, d, t, context, c);
        onUnetMs?.(performance.now() - start);
        return out;
      };
      if (!guided) return timed(unetInput(input), inputDims(n));
      const out = await timed(unetInput(input), inputDims(2 * n));
      const g = guidanceScale;
      const guidedOut = new Float32Array(size);
      for (let i = 0; i < size; i++) {
        const u = out[i]!;
        guidedOut[i] = u + g * (out[size + i]! - u);
      }
      return guidedOut;
    },
    sample(prediction: Float32Array, state: DenoiseState, rng: Rng, step: number) {
      return scheduler.step(prediction, at(step), state.sample, rng).prevSample;
    },
    update(_state, choice) {
      return { sample: choice };
    },
    stop(_state, step) {
      return step + 1 >= timesteps.length ? DONE : undefined;
    },
  };
}
