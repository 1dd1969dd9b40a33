/**
 * Phonemes through espeak-ng (the npm `phonemizer`, espeak-ng compiled to WASM), in the form Piper
 * voices are trained on: espeak's IPA per clause, with the clause punctuation put back (". ! ?" as
 * is, ", : ;" followed by a space), language-switch flags like "(fr)" removed, and NFD-decomposed
 * so that each codepoint is one phoneme-map key.
 *
 * `phonemizer` returns one line per clause and drops the punctuation, so each clause is phonemized
 * on its own and its terminator appended here.
 */

import { RiffError } from "@riff/core";

/** Text → espeak IPA lines (one per clause). The default is espeak-ng; tests may pass a fake. */
export type PhonemizeFunction = (text: string, language: string) => Promise<string[]>;

let espeak: Promise<PhonemizeFunction> | undefined;

let languages: Promise<ReadonlySet<string>> | undefined;

/** espeak-ng via `phonemizer`, loaded on first use (its WASM takes about a second to start). */
export async function espeakPhonemize(text: string, language: string): Promise<string[]> {
  espeak ??= import("phonemizer").then((module) => module.phonemize);
  const phonemize = await espeak;
  try {
    return await phonemize(text, language);
  } catch (error) {
    // phonemizer throws a plain Error with every voice it knows; say it once, in riff's words.
    if (error instanceof Error && error.message.startsWith("Invalid language identifier")) throw unsupportedLanguage(language);
    throw error;
  }
}

/**
 * The language names and voice identifiers the bundled espeak-ng knows ("en-us", "gmw/en-us", …,
 * lower-cased). `phonemizer` 1.2.1 ships English data only.
 */
export function espeakLanguages(): Promise<ReadonlySet<string>> {
  languages ??= import("phonemizer").then(async (module) => {
    const names = new Set<string>();
    // phonemizer's types declare one voice; list_voices() returns an array of them.
    const voices = (await module.list_voices()) as unknown as ReadonlyArray<Awaited<ReturnType<typeof module.list_voices>>>;
    for (const voice of voices) {
      names.add(voice.identifier.toLowerCase());
      for (const language of voice.languages) names.add(language.name.toLowerCase());
    }
    return names;
  });
  return languages;
}

/** A RiffError unless the bundled espeak-ng can phonemize `language`; `source` names where it was read. */
export async function checkEspeakLanguage(language: string, source: string): Promise<void> {
  if (!(await espeakLanguages()).has(language.toLowerCase())) throw unsupportedLanguage(language, source);
}

function unsupportedLanguage(language: string, source?: string): RiffError {
  return new RiffError(
    `${source !== undefined ? `${source}: ` : ""}the voice speaks ${JSON.stringify(language)} (espeak.voice), but riff's bundled ` +
      "espeak-ng (the phonemizer package) has English data only (en, en-us, en-gb and their variants); " +
      "non-English Piper voices cannot be phonemized yet",
    "voice",
  );
}

/**
 * Starts espeak-ng now, e.g. while a voice loads: its WASM takes about a second to instantiate,
 * and its first few calls run unoptimized code until V8 has compiled the hot functions. One
 * ordinary sentence exercises the paths a real sentence takes.
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
