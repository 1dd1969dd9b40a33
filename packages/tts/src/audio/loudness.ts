/**
 * Active loudness, defined once: the RMS of the 20 ms frames whose level is above −50 dBFS, in
 * dB. speak() brings each sentence to a target on this measure (from the samples, or from a
 * voice's prediction of them), and the tests check it on the samples.
 */

/** Length of a loudness frame, in seconds. */
export const LOUDNESS_FRAME_SECONDS = 0.02;
/** Frames below this level (dBFS, after the gain) are silence and do not count. */
export const ACTIVE_FLOOR_DB = -50;

const FLOOR_POWER = 10 ** (ACTIVE_FLOOR_DB / 10);

/** Mean squares of consecutive 20 ms frames (a last partial frame is left out unless it is the only one). */
export function framePowers(samples: Float32Array, sampleRate: number): Float64Array {
  const size = Math.max(1, Math.round(LOUDNESS_FRAME_SECONDS * sampleRate));
  const count = samples.length >= size ? Math.floor(samples.length / size) : samples.length > 0 ? 1 : 0;
  const powers = new Float64Array(count);
  for (let f = 0; f < count; f++) {
    const end = Math.min(samples.length, (f + 1) * size);
    let sum = 0;
    for (let i = f * size; i < end; i++) sum += samples[i]! * samples[i]!;
    powers[f] = sum / (end - f * size);
  }
  return powers;
}

/** RMS over the frames whose power, times gain², is above the floor; undefined when none is. */
export function activeRms(powers: ArrayLike<number>, gain = 1): number | undefined {
  const floor = FLOOR_POWER / (gain * gain);
  let sum = 0;
  let count = 0;
  for (let i = 0; i < powers.length; i++) {
    if (powers[i]! > floor) {
      sum += powers[i]!;
      count++;
    }
  }
  return count > 0 ? Math.sqrt(sum / count) : undefined;
}

/** The active loudness of samples as they will be heard, in dBFS; undefined for silence. */
export function activeLevelDb(samples: Float32Array, sampleRate: number): number | undefined {
  const level = activeRms(framePowers(samples, sampleRate));
  return level === undefined ? undefined : 20 * Math.log10(level);
}

/**
 * The gain that brings frames of these powers to `target` active RMS. Which frames are active
 * depends on the gain (the floor is after it), so the gain is found by a few fixed-point steps,
 * starting from every frame with any sound. Undefined for silence.
 */
export function gainToTarget(powers: ArrayLike<number>, target: number): number | undefined {
  let level = activeRms(powers, 1e6);
  if (level === undefined) return undefined;
  let gain = target / level;
  for (let step = 0; step < 4; step++) {
    level = activeRms(powers, gain);
    if (level === undefined) return gain;
    const next = target / level;
    if (Math.abs(next / gain - 1) < 1e-4) return next;
    gain = next;
  }
  return gain;
}
