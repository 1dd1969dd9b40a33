import { existsSync, readdirSync, statSync } from "node:fs";
import { basename } from "node:path";
import { RiffError, folderFile, readJsonFile } from "@riff/core";
import { BOS, EOS, PAD, type PhonemeIdMap } from "../text/phoneme-ids.js";
import { PIPER_INFERENCE_DEFAULTS, piperInferenceSchema } from "./inference-options.js";

/** What riff reads from a Piper voice's .onnx.json. */
export interface PiperConfig {
  readonly sampleRate: number;
  /** espeak voice for phonemization (espeak.voice), default "en-us". */
  readonly language: string;
  readonly noiseScale: number;
  readonly lengthScale: number;
  readonly noiseW: number;
  readonly phonemeIdMap: PhonemeIdMap;
  readonly numSpeakers: number;
  readonly speakerIdMap: ReadonlyMap<string, number>;
  /** default_speaker_id: the speaker when none is given (Piper's rule), 0 when absent. */
  readonly defaultSpeaker: number;
}

export interface PiperFiles {
  readonly model: string;
  readonly config: string;
}

/**
 * A voice given as a folder or as FILE.onnx → the model and its config (FILE.onnx.json).
 * A folder holds voice.onnx, or exactly one .onnx file.
 */
export function resolvePiperFiles(path: string): PiperFiles {
  if (!existsSync(path)) throw new RiffError(`voice not found: ${path}`, "voice");
  let model = path;
  let config = `${path}.json`;
  if (statSync(path).isDirectory()) {
    const onnx = readdirSync(path).filter((f) => f.endsWith(".onnx"));
    const chosen = onnx.includes("voice.onnx") ? "voice.onnx" : onnx.length === 1 ? onnx[0] : undefined;
    if (chosen === undefined) {
      throw new RiffError(
        onnx.length === 0
          ? `${path} holds no .onnx voice (expected voice.onnx and voice.onnx.json, or a voice.json)`
          : `${path} holds several .onnx files (${onnx.join(", ")}); pass the one to use as --voice FILE.onnx`,
        "voice",
      );
    }
    model = folderFile(path, chosen);
    config = folderFile(path, `${chosen}.json`);
  } else if (!path.endsWith(".onnx")) {
    throw new RiffError(`voice must be a folder or a .onnx file, got ${path}`, "voice");
  }
  if (!existsSync(config)) {
    throw new RiffError(
      `voice config not found: ${config} (a Piper voice needs ${basename(config)} next to ${basename(model)})`,
      "voice",
    );
  }
  return { model, config };
}

export function loadPiperConfig(path: string): PiperConfig {
  return parsePiperConfig(readJsonFile(path, "voice config", "voice"), path);
}

/** Checks and reads a parsed .onnx.json; every problem is a RiffError naming the file and field. */
export function parsePiperConfig(json: unknown, path = "voice config"): PiperConfig {
  const bad = (field: string, why: string): never => {
    throw new RiffError(`${path}: ${field} ${why}`);
  };
  if (!isRecord(json)) return bad("the file", "must hold a JSON object");
  const audio = isRecord(json.audio) ? json.audio : bad("audio", "is missing");
  const sampleRate = audio.sample_rate;
  if (typeof sampleRate !== "number" || !Number.isInteger(sampleRate) || sampleRate <= 0) {
    bad("audio.sample_rate", "must be a positive integer");
  }
  const inference = isRecord(json.inference) ? json.inference : {};
  // Piper's inference section maps onto the scales' schema; its own keys (none others) are refused by name.
  const scales = { ...PIPER_INFERENCE_DEFAULTS, ...piperInferenceSchema.parse(inference, "config", { source: `${path}: inference` }) };
  const mapJson = isRecord(json.phoneme_id_map) ? json.phoneme_id_map : bad("phoneme_id_map", "is missing");
  const phonemeIdMap: Record<string, number[]> = {};
  for (const [phoneme, ids] of Object.entries(mapJson)) {
    if (!Array.isArray(ids) || !ids.every((id) => Number.isInteger(id) && id >= 0)) {
      bad(`phoneme_id_map["${phoneme}"]`, "must be a list of non-negative integers");
    }
    phonemeIdMap[phoneme] = ids as number[];
  }
  for (const symbol of [BOS, EOS, PAD]) {
    if (!(symbol in phonemeIdMap)) bad("phoneme_id_map", `lacks "${symbol}"`);
  }
  const numSpeakers = json.num_speakers ?? 1;
  if (typeof numSpeakers !== "number" || !Number.isInteger(numSpeakers) || numSpeakers < 1) {
    bad("num_speakers", "must be a positive integer");
  }
  const speakerIdMap = new Map<string, number>();
  if (isRecord(json.speaker_id_map)) {
    for (const [name, id] of Object.entries(json.speaker_id_map)) {
      if (typeof id !== "number" || !Number.isInteger(id) || id < 0 || id >= (numSpeakers as number)) {
        bad(`speaker_id_map["${name}"]`, `must be an integer in [0, ${(numSpeakers as number) - 1}]`);
      }
      speakerIdMap.set(name, id as number);
    }
  }
  const defaultSpeaker = json.default_speaker_id ?? 0;
  if (typeof defaultSpeaker !== "number" || !Number.isInteger(defaultSpeaker) || defaultSpeaker < 0 || defaultSpeaker >= (numSpeakers as number)) {
    bad("default_speaker_id", `must be an integer in [0, ${(numSpeakers as number) - 1}]`);
  }
  const espeak = isRecord(json.espeak) ? json.espeak : {};
  const language = typeof espeak.voice === "string" && espeak.voice ? espeak.voice : "en-us";
  return {
    sampleRate: sampleRate as number,
    language,
    ...scales,
    phonemeIdMap,
    numSpeakers: numSpeakers as number,
    speakerIdMap,
    defaultSpeaker: defaultSpeaker as number,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
