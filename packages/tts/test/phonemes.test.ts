import { test } from "node:test";
import assert from "node:assert/strict";
import { phonemesToIds, phonemizeSentence, type PhonemizeFunction } from "@riff/tts";

const MAP = { _: [0], "^": [1], $: [2], " ": [3], ".": [10], ",": [8], h: [20], ə: [59], l: [24], ˈ: [120], o: [27], ʊ: [100] };

test("Piper interleaving: [^, _, p1, _, p2, _, …, $]", () => {
  const { ids, missing } = phonemesToIds("həlˈoʊ.", MAP);
  assert.deepEqual(ids, [1, 0, 20, 0, 59, 0, 24, 0, 120, 0, 27, 0, 100, 0, 10, 0, 2]);
  assert.deepEqual(missing, []);
});

test("phonemes the map lacks are dropped and reported, not fatal", () => {
  const { ids, missing } = phonemesToIds("hxə", MAP);
  assert.deepEqual(ids, [1, 0, 20, 0, 59, 0, 2]);
  assert.deepEqual(missing, ["x"]);
  assert.deepEqual(phonemesToIds("hə", MAP, { interspersePad: false }).ids, [1, 20, 59, 2]);
});

test("espeak phonemes for a known sentence, with clause punctuation put back", async () => {
  assert.equal(await phonemizeSentence("Hello there."), "həlˈoʊ ðˈɛɹ.");
  assert.equal(await phonemizeSentence("Yes; no, maybe?"), "jˈɛs; nˈoʊ, mˈeɪbiː?");
});

test("clauses are phonemized one by one; language flags are stripped", async () => {
  const calls: string[] = [];
  const fake: PhonemizeFunction = async (text) => {
    calls.push(text);
    return text === "bonjour" ? ["(fr)bɔ̃ʒuʁ(en)"] : [text.toUpperCase()];
  };
  const out = await phonemizeSentence("hi, bonjour!", { phonemize: fake });
  assert.deepEqual(calls, ["hi", "bonjour"]);
  assert.equal(out, "HI, bɔ̃ʒuʁ!".normalize("NFD"));
  assert.equal(await phonemizeSentence("...", { phonemize: fake }), "");
});
