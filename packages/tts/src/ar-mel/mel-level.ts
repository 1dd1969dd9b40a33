import type { MelInverse } from "../dsp/mel-inverse.js";

/**
 * The mean square each log-mel frame's samples will have, predicted before the vocoder runs: the
 * frame's linear magnitudes (the vocoder's own clamp(pinv(W)·exp(mel), 0)) through Parseval's
 * theorem for a Hann-windowed frame, Σ|X_k|² over the full spectrum = N·Σ(w·x)² ≈ N·(3L/8)·mean(x²)
 * (N = n_fft, L = window length). The vocoder only chooses phases, so a sentence's loudness
 * is known once its frames are: measured on slt-voice, within 0.4 dB of the vocoded samples.
 */
export function melFramePowers(inverse: MelInverse, logMel: Float32Array, frames: number, nFft: number, winLength: number): Float64Array {
  const bins = inverse.nFreqs;
  const magnitudes = new Float64Array(bins);
  const powers = new Float64Array(frames);
  const scale = 1 / (nFft * ((3 * winLength) / 8));
  for (let t = 0; t < frames; t++) {
    inverse.fromLogMel(logMel, t * inverse.nMels, magnitudes, 0);
    let sum = magnitudes[0]! ** 2 + magnitudes[bins - 1]! ** 2;
    for (let k = 1; k < bins - 1; k++) sum += 2 * magnitudes[k]! * magnitudes[k]!;
    powers[t] = sum * scale;
  }
  return powers;
}
