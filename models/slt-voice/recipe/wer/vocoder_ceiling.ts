// Teacher (festival) audio -> log-mel as voice.json says -> riff vocoder -> wav. Ceiling of the vocoder.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { loadArMelConfig, Stft, applyFilterbank, StreamingMelVocoder, GriffinLimVocoder } from "@riff/tts";
import { Rng } from "@riff/core";
const [src, dst, mode] = process.argv.slice(2) as [string, string, string];
const cfg = loadArMelConfig("models/slt-voice");
const stft = new Stft({ nFft: cfg.nFft, hop: cfg.hop });
mkdirSync(dst, { recursive: true });
function wav(path: string, y: Float32Array, sr: number) {
  const b = Buffer.alloc(44 + y.length * 2);
  b.write("RIFF", 0); b.writeUInt32LE(36 + y.length * 2, 4); b.write("WAVEfmt ", 8); b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20); b.writeUInt16LE(1, 22); b.writeUInt32LE(sr, 24); b.writeUInt32LE(sr * 2, 28); b.writeUInt16LE(2, 32); b.writeUInt16LE(16, 34);
  b.write("data", 36); b.writeUInt32LE(y.length * 2, 40);
  let peak = 1e-9; for (const v of y) peak = Math.max(peak, Math.abs(v));
  const g = 0.8 / peak;
  for (let i = 0; i < y.length; i++) b.writeInt16LE(Math.round(Math.max(-1, Math.min(1, y[i]! * g)) * 32767), 44 + 2 * i);
  writeFileSync(path, b);
}
for (const f of readdirSync(src).filter((f) => f.endsWith(".wav")).sort()) {
  const raw = spawnSync("sox", [join(src, f), "-r", String(cfg.sampleRate), "-c", "1", "-t", "f32", "-e", "floating-point", "-"], { maxBuffer: 1 << 28 }).stdout as Buffer;
  const x = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
  const spec = stft.forward(x);
  const mag = new Float32Array(spec.re.length);
  for (let i = 0; i < mag.length; i++) mag[i] = Math.hypot(spec.re[i]!, spec.im[i]!);
  const mel = applyFilterbank(cfg.filterbank, mag, spec.frames);
  for (let i = 0; i < mel.length; i++) mel[i] = Math.log(Math.max(1e-5, mel[i]!));
  let y: Float32Array;
  if (mode === "gl") y = new GriffinLimVocoder({ filterbank: cfg.filterbank, nFft: cfg.nFft, hop: cfg.hop, iterations: 100, momentum: 0.99 }).vocode(mel, spec.frames, new Rng(1, 0));
  else { const v = cfg.vocoder as any; y = new StreamingMelVocoder({ filterbank: cfg.filterbank, nFft: cfg.nFft, hop: cfg.hop, iterations: v.iterations, momentum: v.momentum, blockFrames: v.blockFrames, lookaheadFrames: v.lookaheadFrames, toleranceDb: v.toleranceDb }).vocode(mel, spec.frames); }
  wav(join(dst, f), y, cfg.sampleRate);
}
