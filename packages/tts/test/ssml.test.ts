// The SSML subset: what each element turns into, that malformed SSML is a RiffError with its
// position, that plain text is never read as SSML, and that speak() honours breaks, rates and IPA.
import { test } from "node:test";
import assert from "node:assert/strict";
import { RiffError } from "@riff/core";
import { parseSsml, speak, hasSpeakableText, breakSeconds, rateValue, type SpeechChunk, type Voice, type PhonemizeFunction } from "@riff/tts";

const words = (ssml: string): string[] => parseSsml(ssml).map((u) => u.fragments.map((f) => (f.kind === "ipa" ? `[${f.ipa}]` : f.text)).join("").replace(/\s+/g, " ").trim());

test("speak, p and s make sentences; text outside them is fine", () => {
  assert.deepEqual(words("<speak><p><s>One here</s><s>Two there</s></p><p>Three. Four.</p></speak>"), ["One here", "Two there", "Three.", "Four."]);
  assert.deepEqual(words("Just text, no root."), ["Just text, no root."]);
  assert.deepEqual(words("<speak>a &amp; b &lt; c</speak>"), ["a & b < c"]);
});

test("say-as reads dates, cardinals, ordinals, characters and telephone numbers", () => {
  assert.deepEqual(words('<speak>On <say-as interpret-as="date">2024-03-15</say-as> we met.</speak>'), ["On March fifteenth, twenty twenty-four we met."]);
  assert.deepEqual(words('<say-as interpret-as="cardinal">1,234</say-as>'), ["one thousand two hundred thirty-four"]);
  assert.deepEqual(words('<say-as interpret-as="ordinal">3</say-as>'), ["third"]);
  assert.deepEqual(words('<say-as interpret-as="characters">abc9</say-as>'), ["A B C nine"]);
  assert.deepEqual(words('<say-as interpret-as="telephone">555-123-4567</say-as>'), ["five five five, one two three, four five six seven"]);
});

test("sub says its alias; phoneme keeps its IPA; prosody rates multiply", () => {
  assert.deepEqual(words('<speak><sub alias="World Wide Web Consortium">W3C</sub> rules</speak>'), ["World Wide Web Consortium rules"]);
  const withIpa = parseSsml('<speak>I say <phoneme alphabet="ipa" ph="təmˈɑːtoʊ">tomato</phoneme>.</speak>');
  assert.equal(withIpa.length, 1);
  assert.deepEqual(withIpa[0]!.fragments.map((f) => f.kind), ["text", "ipa", "text"]);
  const rates = parseSsml('<speak>Normal. <prosody rate="slow">Slow. <prosody rate="200%">Fast.</prosody></prosody></speak>').map((u) => u.rate);
  assert.deepEqual(rates, [1, 0.75, 1.5]);
  assert.equal(rateValue("+20%"), 1.2);
  assert.equal(rateValue("-50%"), 0.5);
  assert.equal(rateValue("x-fast"), 1.5);
  assert.equal(rateValue("900%"), undefined);
});

test("break: time or strength; between sentences, inside one, and at the end", () => {
  assert.equal(breakSeconds({ time: "500ms" }), 0.5);
  assert.equal(breakSeconds({ time: "1.5s" }), 1.5);
  assert.equal(breakSeconds({ strength: "strong" }), 0.75);
  assert.equal(breakSeconds({ time: "20s" }), undefined);
  const u = parseSsml('<speak>Wait <break time="700ms"/> for it. Done.<break time="2s"/></speak>');
  assert.deepEqual(u.map((x) => [x.written, x.pauseBefore, x.pauseAfter]), [["Wait", undefined, undefined], ["for it.", 0.7, undefined], ["Done.", undefined, 2]]);
});

const rejects = (ssml: string, pattern: RegExp): void => {
  assert.throws(() => parseSsml(ssml), (error: unknown) => error instanceof RiffError && pattern.test(error.message), ssml);
};

test("malformed or unsupported SSML is a RiffError with the line and column", () => {
  rejects("<speak>Hello <s>world</speak>", /not well-formed SSML at line 1, column \d+/);
  rejects("<speak>\n  <break time='500ms'>\n</speak>", /line \d+, column \d+/);
  rejects("<speak><audio src='x.wav'/></speak>", /unsupported element <audio>.*line 1, column \d+|line 1, column \d+.*unsupported element <audio>/);
  rejects('<speak><break time="soon"/></speak>', /<break> needs time/);
  rejects('<speak><say-as interpret-as="currency">$5</say-as></speak>', /interpret-as="currency"/);
  rejects('<speak><say-as interpret-as="cardinal">many</say-as></speak>', /cannot read "many"/);
  rejects('<speak><phoneme alphabet="x-sampa" ph="t@"/>x</speak>', /only "ipa"/);
  rejects("<speak><sub>x</sub></speak>", /needs an alias/);
  rejects("<speak>a < b</speak>", /not well-formed SSML at line 1/);
});

/** A voice whose audio is 100 samples per id (at 1000 Hz), ids the phoneme characters. */
function toneVoice(): Voice & { encoded: string[] } {
  const encoded: string[] = [];
  return {
    kind: "mock",
    path: "mock",
    sampleRate: 1000,
    speakers: new Map(),
    numSpeakers: 1,
    encoded,
    async encode(sentence, phonemize) {
      const phonemes = (await (phonemize ?? fakePhonemize)(sentence, "en-us")).join(", ");
      encoded.push(phonemes);
      return { phonemes, ids: Array.from(phonemes, (c) => c.codePointAt(0)!), missing: [] };
    },
    async synthesize(ids, options) {
      return Float32Array.from({ length: Math.round((ids.length * 100) / (options.speed ?? 1)) }, (_, i) => 0.1 * Math.cos(i));
    },
    async dispose() {},
    async [Symbol.asyncDispose]() {},
  };
}
const fakePhonemize: PhonemizeFunction = async (text) => [text.toLowerCase()];

async function collect(text: string, voice: Voice, ssml: boolean): Promise<SpeechChunk[]> {
  const chunks: SpeechChunk[] = [];
  for await (const chunk of speak(text, { voice, phonemize: fakePhonemize, ssml, sentenceSilence: 0.25 })) chunks.push(chunk);
  return chunks;
}

test("speak() with ssml: breaks are silence of their length, rates change the speed, IPA reaches the voice", async () => {
  const voice = toneVoice();
  const chunks = await collect('<speak>Ab.<break time="1s"/>Cd. <prosody rate="50%">Ef.</prosody> I <phoneme ph="ʃiː">she</phoneme> go.</speak>', voice, true);
  assert.deepEqual(voice.encoded, ["ab.", "cd.", "ef.", "i ʃiː go."]);
  const leadingZeros = (a: Float32Array): number => a.findIndex((v) => v !== 0);
  assert.equal(leadingZeros(chunks[1]!.audio), 1000, "the break's second, not the sentence pause");
  assert.equal(leadingZeros(chunks[2]!.audio), 250, "the sentence pause");
  assert.equal(chunks[2]!.audio.length - 250, 2 * 300, "half speed: twice as long");
  assert.equal(chunks[3]!.spoken, "I she go.");
});

test("plain text is never SSML: '<' is an ordinary character unless ssml is set", async () => {
  const chunks = await collect("Is 3 < 4? <b>Yes</b>.", toneVoice(), false);
  assert.ok(chunks.length > 0);
  assert.ok(hasSpeakableText("Is 3 < 4?"));
  assert.throws(() => hasSpeakableText("Is 3 < 4?", undefined, true), RiffError);
  await assert.rejects(collect("Is 3 < 4?", toneVoice(), true), /not well-formed SSML at line 1, column/);
});
