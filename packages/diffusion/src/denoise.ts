import type { Rng, Scheduler, StepModel, Tensor } from "@riff/core";

/** The loop state: the current (noisy) samples or latents of the whole batch, [n, c, h, w] flat. */
export interface DenoiseState {
  readonly sample: Float32Array;
}

/** What the loop needs of a unet (UNet implements it; tests can fake it). */
export interface Denoiser {
  predict(sample: Float32Array, dims: readonly [number, number, number, number], t: number, context?: Tensor): Promise<Float32Array>;
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
  const { unet, scheduler, timesteps, dims, context, guidanceScale, onUnetMs } = setup;
  const guided = guidanceScale !== undefined;
  const [n, c, h, w] = dims;
  const size = n * c * h * w;
  const at = (step: number): number => {
    const t = timesteps[step];
    if (t === undefined) throw new RangeError(`denoise step ${step} is past the last timestep`);
    return t;
  };
  // The unet's input is read only during its call, so one buffer serves every step.
  const doubled = guided ? new Float32Array(2 * size) : new Float32Array(0);
  return {
    totalSteps: timesteps.length,
    async predict(state, step) {
      const t = at(step);
      const input = scheduler.scaleModelInput(state.sample, t);
      const timed = async (x: Float32Array, d: readonly [number, number, number, number]): Promise<Float32Array> => {
        const start = performance.now();
        const out = await unet.predict(x, d, t, context);
        onUnetMs?.(performance.now() - start);
        return out;
      };
      if (!guided) return timed(input, dims);
      doubled.set(input, 0);
      doubled.set(input, size);
      const out = await timed(doubled, [2 * n, c, h, w]);
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
