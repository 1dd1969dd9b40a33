import { RiffError, folderFile, readJsonFile, resolveInside } from "@riff/core";
import type { PhonemeIdMap } from "../text/phoneme-ids.js";
import { type MelFilterbank } from "../dsp/mel.js";

/** What riff reads from a riff-ar-mel voice.json (see the voice's README for the full format). */
export interface ArMelConfig {
  readonly folder: string;
  readonly sampleRate: number;
  readonly nFft: number;
  readonly hop: number;
  readonly winLength: number;
  readonly nMels: number;
  readonly filterbank: MelFilterbank;
  /** audio.vocoder: how the mel frames become a waveform. */
  readonly vocoder: VocoderConfig;
  /** Iterations and momentum of either vocoder (kept for callers of the first format). */
  readonly griffinLim: { readonly iterations: number; readonly momentum: number };
  readonly phonemeIdMap: PhonemeIdMap;
  readonly language: string;
  readonly noiseScale: number;
  readonly lengthScale: number;
  readonly encoderFile: string;
  readonly decoderFile: string;
  /** [layers, 1, hidden] */
  readonly stateShape: readonly number[];
  readonly encodingDim: number;
  readonly conditionDim: number;
  /** Every value of the first fed-back frame (ln of the log clamp: digital silence). */
  readonly initialPrevFrame: number;
  /** audio.output_gain: the fixed gain that brings this voice to speech level (-20 dBFS active), calibrated once; absent in older files. */
  readonly outputGain: number | undefined;
}

/**
 * "griffin-lim": the first format — Griffin–Lim over the whole sentence from random phases.
 * "streaming-pghi-fgla": phase-gradient heap integration then a few Fast Griffin–Lim iterations,
 * block by block while the decoder runs (see StreamingGriffinLim).
 */
export type VocoderConfig =
  | { readonly type: "griffin-lim"; readonly iterations: number; readonly momentum: number }
  | {
      readonly type: "streaming-pghi-fgla";
      readonly iterations: number;
      readonly momentum: number;
      readonly blockFrames: number;
      readonly lookaheadFrames: number;
      readonly toleranceDb: number;
    };

export const AR_MEL_MODEL_TYPE = "riff-ar-mel";

export function loadArMelConfig(folder: string): ArMelConfig {
  const path = folderFile(folder, "voice.json");
  const json = readJsonFile(path, "voice config", "voice");
  const bad = (field: string, why: string): never => {
    throw new RiffError(`${path}: ${field} ${why}`);
  };
  if (!isRecord(json)) return bad("the file", "must hold a JSON object");
  if (json.model_type !== AR_MEL_MODEL_TYPE) bad("model_type", `must be "${AR_MEL_MODEL_TYPE}", got ${JSON.stringify(json.model_type)}`);
  const audio = record(json.audio, "audio", bad);
  const decoder = record(json.decoder, "decoder", bad);
  const io = record(json.io, "io", bad);
  const vocoder = isRecord(audio.vocoder) ? audio.vocoder : {};
  const inference = isRecord(json.inference) ? json.inference : {};
  const source = isRecord(json.phoneme_source) ? json.phoneme_source : {};
  const int = (obj: Record<string, unknown>, key: string, where: string): number => {
    const v = obj[key];
    if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) bad(`${where}.${key}`, "must be a positive integer");
    return v as number;
  };
  const num = (obj: Record<string, unknown>, key: string, where: string, fallback?: number): number => {
    const v = obj[key] ?? fallback;
    if (typeof v !== "number" || !Number.isFinite(v)) bad(`${where}.${key}`, "must be a number");
    return v as number;
  };
  const file = (which: "encoder" | "decoder"): string => {
    const entry = isRecord(io[which]) ? (io[which] as Record<string, unknown>) : bad(`io.${which}`, "is missing");
    return resolveInside(folder, entry.file ?? `${which}.onnx`, { file: path, key: `io.${which}.file` });
  };
  const mapJson = record(json.phoneme_id_map, "phoneme_id_map", bad);
  const phonemeIdMap: Record<string, number[]> = {};
  for (const [symbol, ids] of Object.entries(mapJson)) {
    if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => Number.isInteger(id) && id >= 0)) {
      bad(`phoneme_id_map["${symbol}"]`, "must be a non-empty list of non-negative integers");
    }
    phonemeIdMap[symbol] = ids as number[];
  }
  for (const symbol of ["^", "$", ",", " ", "."]) if (!(symbol in phonemeIdMap)) bad("phoneme_id_map", `lacks "${symbol}"`);
  const stateShape = decoder.state_shape;
  if (!Array.isArray(stateShape) || !stateShape.every((d) => Number.isInteger(d) && d > 0)) {
    bad("decoder.state_shape", "must be a list of positive integers");
  }
  const vocoderConfig = parseVocoder(vocoder, int, num, bad);
  const nFft = int(audio, "n_fft", "audio");
  const nMels = int(audio, "n_mels", "audio");
  // Every file name first, so a hostile one is refused before anything is read.
  const encoderFile = file("encoder");
  const decoderFile = file("decoder");
  const filtersFile = resolveInside(folder, audio.mel_filters_file ?? "mel_filters.json", { file: path, key: "audio.mel_filters_file" });
  const encodingDim = int(decoder, "encoding_dim", "decoder");
  const conditionDim = int(decoder, "condition_dim", "decoder");
  if (conditionDim !== encodingDim + 2) bad("decoder.condition_dim", `must be encoding_dim + 2 (${encodingDim + 2})`);
  if (int(decoder, "n_mels", "decoder") !== nMels) bad("decoder.n_mels", `must equal audio.n_mels (${nMels})`);
  return {
    folder,
    sampleRate: int(audio, "sample_rate", "audio"),
    nFft,
    hop: int(audio, "hop_length", "audio"),
    winLength: typeof audio.win_length === "number" ? int(audio, "win_length", "audio") : nFft,
    nMels,
    filterbank: loadFilterbank(filtersFile, nMels, nFft / 2 + 1),
    vocoder: vocoderConfig,
    griffinLim: { iterations: vocoderConfig.iterations, momentum: vocoderConfig.momentum },
    phonemeIdMap,
    language: typeof source.language === "string" ? source.language : "en-us",
    noiseScale: num(inference, "noise_scale", "inference", 0),
    lengthScale: num(inference, "length_scale", "inference", 1),
    encoderFile,
    decoderFile,
    stateShape: stateShape as number[],
    encodingDim,
    conditionDim,
    initialPrevFrame: num(decoder, "initial_prev_frame", "decoder"),
    outputGain: outputGain(audio, bad),
  };
}

/** audio.output_gain, when the voice has been calibrated (recipe/calibrate_gain.ts). */
function outputGain(audio: Record<string, unknown>, bad: (field: string, why: string) => never): number | undefined {
  const v = audio.output_gain;
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !(v > 0 && v <= 1000)) bad("audio.output_gain", "must be a number in (0, 1000]");
  return v as number;
}

type IntField = (obj: Record<string, unknown>, key: string, where: string) => number;
type NumField = (obj: Record<string, unknown>, key: string, where: string, fallback?: number) => number;

/** audio.vocoder; a voice.json without "type" is the first format (plain Griffin–Lim). */
function parseVocoder(vocoder: Record<string, unknown>, int: IntField, num: NumField, bad: (field: string, why: string) => never): VocoderConfig {
  const type = vocoder.type ?? "griffin-lim";
  const where = "audio.vocoder";
  const momentum = num(vocoder, "momentum", where, 0.99);
  if (!(momentum >= 0 && momentum < 10)) bad(`${where}.momentum`, `must be in [0, 10), got ${momentum}`);
  if (type === "griffin-lim") return { type, iterations: int(vocoder, "iterations", where), momentum };
  if (type === "streaming-pghi-fgla") {
    const iterations = vocoder.iterations;
    if (typeof iterations !== "number" || !Number.isInteger(iterations) || iterations < 0) bad(`${where}.iterations`, "must be a non-negative integer");
    const lookahead = vocoder.lookahead_frames ?? 4;
    if (typeof lookahead !== "number" || !Number.isInteger(lookahead) || lookahead < 0) bad(`${where}.lookahead_frames`, "must be a non-negative integer");
    const toleranceDb = num(vocoder, "pghi_tolerance_db", where, 100);
    if (!(toleranceDb > 0)) bad(`${where}.pghi_tolerance_db`, "must be positive");
    return {
      type,
      iterations: iterations as number,
      momentum,
      blockFrames: int(vocoder, "block_frames", where),
      lookaheadFrames: lookahead as number,
      toleranceDb,
    };
  }
  return bad(`${where}.type`, `must be "griffin-lim" or "streaming-pghi-fgla", got ${JSON.stringify(type)}`);
}

/** mel_filters.json: {"shape": [n_mels, n_fft/2+1], "data": [row-major floats]}. */
function loadFilterbank(path: string, nMels: number, nFreqs: number): MelFilterbank {
  const json = readJsonFile(path, "mel filters", "voice");
  if (!isRecord(json) || !Array.isArray(json.shape) || !Array.isArray(json.data)) {
    throw new RiffError(`${path}: expected {"shape": [n_mels, n_freqs], "data": [...]}`);
  }
  const [rows, cols] = json.shape as unknown[];
  if (rows !== nMels || cols !== nFreqs) {
    throw new RiffError(`${path}: shape [${String(rows)}, ${String(cols)}] does not match n_mels ${nMels} × n_fft/2+1 ${nFreqs}`);
  }
  const data = json.data as unknown[];
  if (data.length !== nMels * nFreqs || !data.every((v) => typeof v === "number" && Number.isFinite(v))) {
    throw new RiffError(`${path}: data must hold ${nMels * nFreqs} finite numbers`);
  }
  return { nMels, nFreqs, weights: Float32Array.from(data as number[]) };
}

function record(value: unknown, field: string, bad: (field: string, why: string) => never): Record<string, unknown> {
  return isRecord(value) ? value : bad(field, "is missing");
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
