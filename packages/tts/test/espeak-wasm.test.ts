import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile, stat } from "node:fs/promises";
import { bundledEspeakLanguages, espeakPhonemize, phonemizeSentence } from "@riff/tts";

// riff's espeak-ng.wasm must phonemize exactly as the npm `phonemizer` 1.2.1 did (the phonemes
// riff's voices were checked against): fixtures/espeak-phonemes.json holds phonemizer's output for
// 209 sentences (numbers, names, questions, abbreviations, punctuation; Austen, the KJV) in "en-us",
// and 30 of them in the other English voices (fixtures/make-espeak-phonemes.mjs wrote it).

interface Fixture {
  readonly languages: readonly string[];
  readonly cases: ReadonlyArray<{ readonly language: string; readonly text: string; readonly lines: readonly string[] }>;
}

const fixture = JSON.parse(await readFile(new URL("fixtures/espeak-phonemes.json", import.meta.url), "utf8")) as Fixture;

test("the built espeak-ng.wasm and its English data are committed", async () => {
  for (const [file, least] of [["espeak-ng.wasm", 200_000], ["espeak-ng-en.pack", 700_000]] as const) {
    const info = await stat(new URL(`../espeak/${file}`, import.meta.url)).catch(() => undefined);
    assert.ok(info !== undefined, `packages/tts/espeak/${file} is missing: run packages/tts/espeak/build.sh`);
    assert.ok(info.size >= least, `packages/tts/espeak/${file} is only ${info.size} bytes`);
  }
});

test("the bundled espeak-ng has phonemizer's English voices and language names", async () => {
  assert.deepEqual([...(await bundledEspeakLanguages())].sort(), fixture.languages);
});

test(`phonemes equal phonemizer 1.2.1's for ${fixture.cases.length} sentences`, async () => {
  const mismatches: string[] = [];
  for (const { language, text, lines } of fixture.cases) {
    const got = await espeakPhonemize(text, language);
    if (JSON.stringify(got) !== JSON.stringify(lines)) mismatches.push(`${language} ${JSON.stringify(text)}: ${JSON.stringify(got)} ≠ ${JSON.stringify(lines)}`);
  }
  assert.deepEqual(mismatches, []);
});

test("no state carries over between calls: reversed order, switching voices, gives the same phonemes", async () => {
  const mismatches: string[] = [];
  for (const { language, text, lines } of [...fixture.cases].reverse()) {
    const got = await espeakPhonemize(text, language);
    if (JSON.stringify(got) !== JSON.stringify(lines)) mismatches.push(`${language} ${JSON.stringify(text)}`);
  }
  assert.deepEqual(mismatches, []);
});

test("concurrent calls are served one at a time, each with its own result", async () => {
  const cases = fixture.cases.slice(0, 40);
  const results = await Promise.all(cases.map(({ text, language }) => espeakPhonemize(text, language)));
  assert.deepEqual(results, cases.map(({ lines }) => lines));
});

test("empty, blank and very long input do not break the module", async () => {
  assert.deepEqual(await espeakPhonemize("", "en-us"), []);
  assert.deepEqual(await espeakPhonemize("   ", "en-us"), []);
  const long = "word ".repeat(5000);
  assert.ok((await espeakPhonemize(long, "en-us")).join(" ").length > 5000);
  assert.equal(await phonemizeSentence("Hello there."), "həlˈoʊ ðˈɛɹ.");
});
