/**
 * Phonemes through espeak-ng (riff's own WebAssembly build of espeak-ng 1.52.0 for English, see
 * espeak-wasm.ts and packages/tts/espeak/; the system's espeak-ng program for other languages), in
 * the form Piper voices are trained on: espeak's IPA per clause, with the clause punctuation put
 * back (". ! ?" as is, ", : ;" followed by a space), language-switch flags like "(fr)" removed, and
 * NFD-decomposed so that each codepoint is one phoneme-map key.
 *
 * espeak returns one line per clause and drops the punctuation, so each clause is phonemized on
 * its own and its terminator appended here.
 */

import { RiffError } from "@riff/core";
import { espeakWasmLanguages, espeakWasmPhonemize } from "./espeak-wasm.js";
import { systemEspeak, type SystemEspeak } from "./system-espeak.js";

/** Text → espeak IPA lines (one per clause). The default is espeak-ng; tests may pass a fake. */
export type PhonemizeFunction = (text: string, language: string) => Promise<string[]>;

let system: SystemEspeak = systemEspeak();

/**
 * espeak-ng for `language`: the bundled one (WASM, English data only; loaded on first use) when it
 * has the language, else the system's espeak-ng program (see system-espeak.ts).
 */
export async function espeakPhonemize(text: string, language: string): Promise<string[]> {
  if ((await bundledEspeakLanguages()).has(language.toLowerCase())) return espeakWasmPhonemize(text, language);
  if ((await system.languages()).has(language.toLowerCase())) return system.phonemize(text, language);
  throw await unsupportedLanguage(language);
}

/**
 * The language names and voice identifiers the bundled espeak-ng knows ("en-us", "gmw/en-us", …,
 * lower-cased): English only.
 */
export function bundledEspeakLanguages(): Promise<ReadonlySet<string>> {
  return espeakWasmLanguages();
}

/**
 * Starts loading the bundled espeak-ng (compile, instantiate, initialize: a few tens of
 * milliseconds) without phonemizing anything, for a caller about to wait on something else, such
 * as a voice's ONNX sessions. A failure is reported by the first call that needs espeak-ng.
 */
export function startEspeak(): void {
  espeakWasmLanguages().catch(() => undefined);
}

/** Every language riff can phonemize here: the bundled espeak-ng's and the system espeak-ng's. */
export async function espeakLanguages(): Promise<ReadonlySet<string>> {
  return new Set([...(await bundledEspeakLanguages()), ...(await system.languages())]);
}

/**
 * Which espeak-ng program serves the languages the bundled one lacks (default "espeak-ng" on PATH).
 * For tests and for installs that keep it elsewhere; returns the previous one.
 */
export function useSystemEspeak(program: string): string {
  const previous = system.program;
  system = systemEspeak(program);
  return previous;
}

/** A RiffError unless riff can phonemize `language`; `source` names where it was read. */
export async function checkEspeakLanguage(language: string, source: string): Promise<void> {
  if (!(await espeakLanguages()).has(language.toLowerCase())) throw await unsupportedLanguage(language, source);
}

async function unsupportedLanguage(language: string, source?: string): Promise<RiffError> {
  const where = source !== undefined ? `${source}: ` : "";
  const found = await system.available();
  return new RiffError(
    `${where}the voice speaks ${JSON.stringify(language)} (espeak.voice), but riff's bundled espeak-ng has English data only ` +
      (found
        ? `and the system espeak-ng (${system.program}) has no voice ${JSON.stringify(language)} (see \`${system.program} --voices\`)`
        : `and no system espeak-ng was found for other languages (${system.program}; Debian/Ubuntu: apt-get install espeak-ng)`),
    "voice",
  );
}

/**
 * Starts espeak-ng now, e.g. while a voice loads: the bundled one compiles and instantiates its
 * WASM and selects the voice (tens of milliseconds). One ordinary sentence exercises the paths a
 * real sentence takes.
 */
export async function warmUpEspeak(language = "en-us"): Promise<void> {
  await espeakPhonemize("The quick brown fox jumps over the lazy dog", language);
  await espeakPhonemize("Hello there, how are you", language);
}

export interface PhonemizeOptions {
  /** espeak voice, e.g. "en-us" (Piper configs name it in espeak.voice). */
  readonly language?: string;
  readonly phonemize?: PhonemizeFunction;
}

const TERMINATORS: Readonly<Record<string, string>> = {
  ".": ".",
  "!": "!",
  "?": "?",
  ",": ", ",
  ":": ": ",
  ";": "; ",
};

/** One normalized sentence → its phoneme string, e.g. "Hello there." → "həlˈoʊ ðˈɛɹ." */
export async function phonemizeSentence(sentence: string, options: PhonemizeOptions = {}): Promise<string> {
  const language = options.language ?? "en-us";
  const phonemize = options.phonemize ?? espeakPhonemize;
  const pieces = sentence.split(/([,;:.!?]+)/);
  let out = "";
  for (let i = 0; i < pieces.length; i += 2) {
    const clause = pieces[i]!.trim();
    const punctuation = pieces[i + 1] ?? "";
    if (!/[\p{L}\p{N}]/u.test(clause)) continue;
    const lines = await phonemize(clause, language);
    const phonemes = lines
      .map((line) => line.replace(/\([a-z]{2,3}(?:-[a-z0-9]+)*\)/gi, "").trim())
      .filter((line) => line.length > 0)
      .join(" ");
    if (!phonemes) continue;
    if (out && !out.endsWith(" ")) out += " ";
    out += phonemes;
    out += terminatorOf(punctuation);
  }
  return out.trim().normalize("NFD");
}

/** The phoneme-string form of a run of clause punctuation: "?!" → "?", "..." → ".", "," → ", ". */
function terminatorOf(punctuation: string): string {
  if (!punctuation) return "";
  const key = punctuation.includes("?") ? "?" : punctuation.includes("!") ? "!" : punctuation[0]!;
  return TERMINATORS[key] ?? "";
}
