/**
 * Mel filterbanks (librosa/Slaney layout: n_mels rows × (n_fft/2+1) columns) and their inverse.
 */
export interface MelFilterbank {
  readonly nMels: number;
  readonly nFreqs: number;
  /** Row-major nMels × nFreqs weights. */
  readonly weights: Float32Array;
}

export interface MelConfig {
  readonly sampleRate: number;
  readonly nFft: number;
  readonly nMels: number;
  readonly fmin?: number;
  readonly fmax?: number;
}

const F_SP = 200 / 3;
const MIN_LOG_HZ = 1000;
const MIN_LOG_MEL = MIN_LOG_HZ / F_SP;
const LOG_STEP = Math.log(6.4) / 27;

/** Slaney's mel scale (librosa htk=False): linear below 1 kHz, logarithmic above. */
export function hzToMel(hz: number): number {
  return hz >= MIN_LOG_HZ ? MIN_LOG_MEL + Math.log(hz / MIN_LOG_HZ) / LOG_STEP : hz / F_SP;
}

export function melToHz(mel: number): number {
  return mel >= MIN_LOG_MEL ? MIN_LOG_HZ * Math.exp(LOG_STEP * (mel - MIN_LOG_MEL)) : F_SP * mel;
}

/** librosa.filters.mel(sr, n_fft, n_mels, fmin, fmax, htk=False, norm="slaney"). */
export function slaneyMelFilterbank(config: MelConfig): MelFilterbank {
  const { sampleRate, nFft, nMels, fmin = 0 } = config;
  const fmax = config.fmax ?? sampleRate / 2;
  const nFreqs = Math.floor(nFft / 2) + 1;
  const melLo = hzToMel(fmin);
  const melHi = hzToMel(fmax);
  const points = Array.from({ length: nMels + 2 }, (_, i) => melToHz(melLo + ((melHi - melLo) * i) / (nMels + 1)));
  const weights = new Float32Array(nMels * nFreqs);
  for (let m = 0; m < nMels; m++) {
    const lo = points[m]!;
    const mid = points[m + 1]!;
    const hi = points[m + 2]!;
    const norm = 2 / (hi - lo);
    for (let k = 0; k < nFreqs; k++) {
      const f = (k * sampleRate) / nFft;
      const w = Math.max(0, Math.min((f - lo) / (mid - lo), (hi - f) / (hi - mid)));
      weights[m * nFreqs + k] = w * norm;
    }
  }
  return { nMels, nFreqs, weights };
}

/** A filterbank from nested rows (e.g. mel_filters.json), checked for shape. */
export function filterbankFromRows(rows: readonly (readonly number[])[]): MelFilterbank {
  const nMels = rows.length;
  const nFreqs = rows[0]?.length ?? 0;
  if (nMels === 0 || nFreqs === 0) throw new RangeError("mel filterbank is empty");
  const weights = new Float32Array(nMels * nFreqs);
  rows.forEach((row, m) => {
    if (row.length !== nFreqs) throw new RangeError(`mel filterbank row ${m} has ${row.length} values, row 0 has ${nFreqs}`);
    for (let k = 0; k < nFreqs; k++) weights[m * nFreqs + k] = row[k]!;
  });
  return { nMels, nFreqs, weights };
}

/** mel[t, m] = Σ_k W[m, k] · spec[t, k], for frame-major (frames × nFreqs) input. */
export function applyFilterbank(fb: MelFilterbank, spec: Float32Array, frames: number): Float32Array {
  const { nMels, nFreqs, weights } = fb;
  if (spec.length !== frames * nFreqs) throw new RangeError(`expected ${frames}×${nFreqs} values, got ${spec.length}`);
  const out = new Float32Array(frames * nMels);
  for (let t = 0; t < frames; t++) {
    for (let m = 0; m < nMels; m++) {
      let acc = 0;
      const w = m * nFreqs;
      const s = t * nFreqs;
      for (let k = 0; k < nFreqs; k++) acc += weights[w + k]! * spec[s + k]!;
      out[t * nMels + m] = acc;
    }
  }
  return out;
}

/**
 * Moore–Penrose pseudo-inverse of the filterbank (nFreqs × nMels, row-major), as
 * torch.linalg.pinv computes it: singular values below rtol·σ_max are treated as zero
 * (rtol = ε_float32 · max(nMels, nFreqs)). Computed as Wᵀ·(W·Wᵀ)⁺ with a Jacobi eigensolver on the
 * small nMels × nMels Gram matrix, in double precision.
 */
export function pseudoInverse(fb: MelFilterbank): Float32Array {
  const { nMels: m, nFreqs: n, weights } = fb;
  const gram = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = i; j < m; j++) {
      let acc = 0;
      for (let k = 0; k < n; k++) acc += weights[i * n + k]! * weights[j * n + k]!;
      gram[i * m + j] = acc;
      gram[j * m + i] = acc;
    }
  }
  const { values, vectors } = symmetricEigen(gram, m);
  const largest = Math.max(...values.map((v) => Math.abs(v)));
  const rtol = 1.1920929e-7 * Math.max(m, n);
  const cutoff = (rtol * Math.sqrt(largest)) ** 2;
  // (W·Wᵀ)⁺ = V · diag(1/λ for λ > cutoff) · Vᵀ
  const gramInv = new Float64Array(m * m);
  for (let e = 0; e < m; e++) {
    const lambda = values[e]!;
    if (!(lambda > cutoff)) continue;
    const inv = 1 / lambda;
    for (let i = 0; i < m; i++) {
      const vi = vectors[i * m + e]! * inv;
      for (let j = 0; j < m; j++) gramInv[i * m + j]! += vi * vectors[j * m + e]!;
    }
  }
  const out = new Float32Array(n * m);
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < m; j++) {
      let acc = 0;
      for (let i = 0; i < m; i++) acc += weights[i * n + k]! * gramInv[i * m + j]!;
      out[k * m + j] = acc;
    }
  }
  return out;
}

/** Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations; vectors are columns. */
export function symmetricEigen(matrix: Float64Array, n: number): { values: number[]; vectors: Float64Array } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let diag = 0;
    for (let i = 0; i < n; i++) {
      diag += a[i * n + i]! ** 2;
      for (let j = i + 1; j < n; j++) off += a[i * n + j]! ** 2;
    }
    if (off <= 1e-30 * diag || off === 0) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const app = a[p * n + p]!;
        const aqq = a[q * n + q]!;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = Array.from({ length: n }, (_, i) => a[i * n + i]!);
  return { values, vectors: v };
}

/**
 * Mel frames → linear magnitude frames: pinv(W) · mel, clamped at 0 (frame-major in and out).
 * `pinv` comes from {@link pseudoInverse}.
 */
export function melToLinear(fb: MelFilterbank, pinv: Float32Array, mel: Float32Array, frames: number): Float32Array {
  const { nMels, nFreqs } = fb;
  if (mel.length !== frames * nMels) throw new RangeError(`expected ${frames}×${nMels} mel values, got ${mel.length}`);
  const out = new Float32Array(frames * nFreqs);
  for (let t = 0; t < frames; t++) {
    for (let k = 0; k < nFreqs; k++) {
      let acc = 0;
      const p = k * nMels;
      const s = t * nMels;
      for (let j = 0; j < nMels; j++) acc += pinv[p + j]! * mel[s + j]!;
      out[t * nFreqs + k] = acc > 0 ? acc : 0;
    }
  }
  return out;
}
