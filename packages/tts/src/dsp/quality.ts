import { Stft } from "./stft.js";

/**
 * Spectral convergence of a waveform against target STFT magnitudes (frame-major, frames × bins):
 * ‖ |STFT(y)| − S ‖ / ‖S‖ over the frames both have (lower is better; 0 is a perfect match). The
 * standard figure for phase reconstruction (e.g. Průša et al. 2017): it says how consistent the
 * synthesized signal is with the magnitudes it was asked for.
 */
export function spectralConvergence(stft: Stft, signal: Float32Array, target: ArrayLike<number>, frames: number): number {
  const spec = stft.forward(signal);
  const bins = stft.bins;
  if (target.length !== frames * bins) throw new RangeError(`expected ${frames}×${bins} target magnitudes, got ${target.length}`);
  const n = Math.min(frames, spec.frames) * bins;
  let error = 0;
  let energy = 0;
  for (let i = 0; i < frames * bins; i++) {
    const s = target[i]!;
    const y = i < n ? Math.sqrt(spec.re[i]! * spec.re[i]! + spec.im[i]! * spec.im[i]!) : 0;
    error += (y - s) * (y - s);
    energy += s * s;
  }
  return energy > 0 ? Math.sqrt(error / energy) : 0;
}
