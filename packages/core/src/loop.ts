import type { Rng } from "./rng.js";

/**
 * The one loop every riff model runs: predict → sample → update → stop?
 *
 * - text: predict = decoder forward with the KV cache; sample = logits processors + sampler (or
 *   beam selection); update = append the token and keep the cache; stop = EOS, stop string, max.
 * - diffusion: predict = denoiser (with guidance); sample = scheduler step; update = new latents;
 *   stop = after the last timestep.
 * - speech: predict = acoustic decoder step; sample = add noise to the frame; update = append the
 *   frame; stop = all frames of the last phone emitted, or a stop signal.
 *
 * A model plugs in by implementing {@link StepModel}; {@link runSteps} drives it and yields one
 * event per step, so callers stream tokens or draw progress bars from the same iterator.
 */
export interface StepModel<State, Prediction, Choice> {
  /** The expensive part (usually one ONNX run). May be async. */
  predict(state: State, step: number): Promise<Prediction> | Prediction;
  /** Turns the prediction into a decision, drawing randomness only from `rng`. */
  sample(prediction: Prediction, state: State, rng: Rng, step: number): Choice;
  /** Applies the decision. Returns the new state (which may be `state` itself, mutated). */
  update(state: State, choice: Choice, step: number): State;
  /** Why to stop after this update, or undefined to go on. */
  stop(state: State, step: number): StopReason | undefined;
  /** How many steps the whole run will take, when known (diffusion, speech); for progress bars. */
  readonly totalSteps?: number;
}

/** Why a loop ended. Modalities add their own (e.g. "eos", "stop_string", "length"). */
export type StopReason = string;

export interface StepEvent<State, Choice> {
  /** 0-based index of the step just completed. */
  readonly step: number;
  /** Total steps when known. */
  readonly totalSteps: number | undefined;
  readonly choice: Choice;
  readonly state: State;
  /** Set on the last event: why the loop ended. */
  readonly stopReason: StopReason | undefined;
  /** Milliseconds spent in predict() for this step, and in the whole step. */
  readonly predictMs: number;
  readonly stepMs: number;
}

export interface RunOptions {
  readonly rng: Rng;
  /** Stops the loop before the next step begins; the last event then has stopReason "aborted". */
  readonly signal?: AbortSignal | undefined;
  /** A hard cap on steps, a safety net under the model's own stop(). */
  readonly maxSteps?: number | undefined;
}

export const ABORTED: StopReason = "aborted";
export const MAX_STEPS: StopReason = "max_steps";

/**
 * Drives a {@link StepModel} and yields one {@link StepEvent} per step. An abort is noticed between
 * steps (so within one step of the signal) and also while a predict() is awaited: the result of
 * that step is discarded.
 */
export async function* runSteps<State, Prediction, Choice>(
  model: StepModel<State, Prediction, Choice>,
  initial: State,
  options: RunOptions,
): AsyncGenerator<StepEvent<State, Choice>, { state: State; stopReason: StopReason; steps: number }> {
  const { rng, signal, maxSteps = Number.POSITIVE_INFINITY } = options;
  let state = initial;
  let step = 0;
  for (;;) {
    if (signal?.aborted) return { state, stopReason: ABORTED, steps: step };
    if (step >= maxSteps) return { state, stopReason: MAX_STEPS, steps: step };
    const start = performance.now();
    const prediction = await model.predict(state, step);
    const predicted = performance.now();
    if (signal?.aborted) return { state, stopReason: ABORTED, steps: step };
    const choice = model.sample(prediction, state, rng, step);
    state = model.update(state, choice, step);
    const stopReason = model.stop(state, step) ?? (step + 1 >= maxSteps ? MAX_STEPS : undefined);
    const end = performance.now();
    yield {
      step,
      totalSteps: model.totalSteps,
      choice,
      state,
      stopReason,
      predictMs: predicted - start,
      stepMs: end - start,
    };
    step++;
    if (stopReason !== undefined) return { state, stopReason, steps: step };
  }
}

/** Runs a model to the end and returns the final state, ignoring the per-step events. */
export async function runToEnd<State, Prediction, Choice>(
  model: StepModel<State, Prediction, Choice>,
  initial: State,
  options: RunOptions,
): Promise<{ state: State; stopReason: StopReason; steps: number }> {
  return drain(runSteps(model, initial, options));
}

/**
 * Runs an async generator to its end, handing each value it yields to `onEach` (a progress bar, a
 * timer), and returns what the generator returns: for {@link runSteps}, the final state and why it
 * stopped, which `for await` would drop.
 */
export async function drain<T, R>(generator: AsyncGenerator<T, R>, onEach?: (value: T) => void): Promise<R> {
  for (;;) {
    const next = await generator.next();
    if (next.done) return next.value;
    onEach?.(next.value);
  }
}
