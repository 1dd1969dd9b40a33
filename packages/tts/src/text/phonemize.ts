/**
 * Phonemes through espeak-ng (the npm `phonemizer`, espeak-ng compiled to WASM), in the form Piper
 * voices are trained on: espeak's IPA per clause, with the clause punctuation put back (". ! ?" as
 * is, ", : ;" followed by a space), language-switch flags like "(fr)" removed, and NFD-decomposed
 * so that each codepoint is one phoneme-map key.
 *
 * `phonemizer` returns one line per clause and drops the punctuation, so each clause is phonemized
 * on its own and its terminator appended here.
 */

/** Text → espeak IPA lines (one per clause). The default is espeak-ng; tests may pass a fake. */
export type PhonemizeFunction = (text: string, language: string) => Promise<string[]>;

let espeak: Promise<PhonemizeFunction> | undefined;

/** espeak-ng via `phonemizer`, loaded on first use (its WASM takes about a second to start). */
export function espeakPhonemize(text: string, language: string): Promise<string[]> {
  espeak ??= import("phonemizer").then((module) => module.phonemize);
  return espeak.then((phonemize) => phonemize(text, language));
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
