import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import wavefile from "wavefile";
import { RiffError } from "@riff/core";
import { activeLevelDb, speak, speakToFile, rms, type Voice, type PhonemizeFunction, type SpeechChunk } from "@riff/tts";

const { WaveFile } = wavefile;

/** Letters stand in for phonemes, so tests need no espeak. */
const fakePhonemize: PhonemizeFunction = async (text) => [text.toLowerCase()];

interface MockVoice extends Voice {
  readonly calls: string[];
}

/**
 * A voice whose audio is a tone, 100 samples per id; "loud" sentences come out at twice the
 * amplitude. `onSynthesize` runs before each sentence is made.
 */
function mockVoice(onSynthesize?: (index: number) => void, speakers = 1): MockVoice {
  const calls: string[] = [];
  return {
    kind: "mock",
    path: "mock",
    sampleRate: 8000,
    speakers: speakers > 1 ? new Map([["alice", 0], ["bob", 1]]) : new Map(),
    numSpeakers: speakers,
    calls,
    async encode(sentence, phonemize) {
      const phonemes = (await (phonemize ?? fakePhonemize)(sentence, "en-us")).join(" ");
      const ids = Array.from(phonemes, (c) => c.charCodeAt(0));
      return { phonemes, ids, missing: [] };
    },
    async synthesize(ids, options) {
      onSynthesize?.(calls.length);
      const text = String.fromCharCode(...ids);
      calls.push(text);
      const amplitude = text.includes("loud") ? 0.2 : 0.1;
      const n = Math.round((ids.length * 100) / (options.speed ?? 1));
      return Float32Array.from({ length: n }, (_, i) => amplitude * Math.sin(i * 0.3));
    },
    async dispose() {},
    async [Symbol.asyncDispose]() {},
  };
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "riff-speak-"));
}

test("speaks sentence by sentence, normalized, each sentence brought to the loudness target", async () => {
  const voice = mockVoice();
  const chunks: SpeechChunk[] = [];
  const stream = speak("It costs $3. This is loud 😀!", { voice, phonemize: fakePhonemize, sentenceSilence: 0 });
  let next = await stream.next();
  while (!next.done) {
    chunks.push(next.value);
    next = await stream.next();
  }
  const summary = next.value;
  assert.deepEqual(voice.calls, ["it costs three dollars.", "this is loud!"]);
  assert.equal(chunks.length, 2);
  assert.deepEqual(chunks[1]!.droppedCharacters, ["😀"]);
  assert.equal(summary.sentences, 2);
  assert.deepEqual(summary.droppedCharacters, { count: 1, examples: ["😀"] });
  // Whole sentences, measured: both at the target (-20 dBFS active), the louder one with half the gain.
  for (const chunk of chunks) assert.ok(Math.abs(activeLevelDb(chunk.audio, 8000)! + 20) < 0.01, `${activeLevelDb(chunk.audio, 8000)} dBFS`);
  assert.ok(Math.abs(chunks[0]!.gain / chunks[1]!.gain - 2) < 0.01, `gains ${chunks[0]!.gain}, ${chunks[1]!.gain}`);
  assert.ok(summary.realTimeFactor > 0 && summary.firstChunkMs >= 0);
  assert.equal(summary.samples, chunks[0]!.audio.length + chunks[1]!.audio.length);
});

test("a pause goes between sentences; --speed shortens the audio", async () => {
  const collect = async (speed: number, silence: number): Promise<number> => {
    let total = 0;
    for await (const c of speak("One. Two.", { voice: mockVoice(), phonemize: fakePhonemize, speed, sentenceSilence: silence })) {
      total += c.audio.length;
    }
    return total;
  };
  const base = await collect(1, 0);
  assert.equal(await collect(1, 0.5), base + 4000);
  assert.ok(Math.abs((await collect(2, 0)) - base / 2) <= 2);
});

test("nothing to speak is a RiffError", async () => {
  for (const text of ["", "   ", "...!?", "😀 🎉"]) {
    await assert.rejects(
      (async () => {
        for await (const _ of speak(text, { voice: mockVoice(), phonemize: fakePhonemize })) void _;
      })(),
      (e: unknown) => e instanceof RiffError && /nothing to speak/.test(e.message),
      text,
    );
  }
});

test("speakers: names and ids resolve; unknown ones are listed; single-speaker voices refuse", async () => {
  const run = async (voice: Voice, speaker: string | undefined): Promise<void> => {
    for await (const _ of speak("Hi.", { voice, phonemize: fakePhonemize, ...(speaker !== undefined ? { speaker } : {}) })) void _;
  };
  await run(mockVoice(undefined, 2), "bob");
  await run(mockVoice(undefined, 2), "1");
  await assert.rejects(run(mockVoice(undefined, 2), "carol"), /unknown speaker "carol".*alice \(0\), bob \(1\)/);
  await assert.rejects(run(mockVoice(), "bob"), /single speaker/);
  await assert.rejects(run(mockVoice(), undefined).then(() => speak("x", { voice: mockVoice(), speed: 0 }).next()), /^RiffError: speed must be a number in \[0\.1, 10\]/);
});

test("streaming: the first sentence is on disk before the last one is synthesized", async () => {
  const dir = tempDir();
  try {
    const out = join(dir, "speech.wav");
    const sizesSeen: number[] = [];
    const voice = mockVoice((index) => {
      // Just before sentence `index` is made, look at the temp file in the folder.
      const temp = readdirSync(dir).filter((f) => f.endsWith(".tmp"));
      assert.equal(temp.length, 1);
      sizesSeen[index] = statSync(join(dir, temp[0]!)).size;
      assert.ok(!existsSync(out), "the target appears only at the end");
    });
    const order: string[] = [];
    const result = await speakToFile("First one. Second one. Third one.", out, {
      voice,
      phonemize: fakePhonemize,
      onChunk: (chunk, bytes) => order.push(`written ${chunk.index} (${bytes})`),
    });
    assert.equal(order.length, 3);
    assert.ok(sizesSeen[2]! > sizesSeen[1]! && sizesSeen[1]! > sizesSeen[0]!, `sizes ${sizesSeen.join(", ")}`);
    assert.ok(sizesSeen[2]! >= 44 + 2 * "first one.".length * 100, "the first sentence's PCM was written");
    assert.ok(result.firstChunkWrittenMs >= result.firstChunkMs);
    const wav = new WaveFile(readFileSync(out));
    assert.equal((wav.fmt as { sampleRate: number }).sampleRate, 8000);
    assert.equal(wav.getTag("ICMT"), "First one. Second one. Third one.");
    assert.equal((wav.getSamples() as unknown as Float64Array).length, result.samples);
    assert.deepEqual(readdirSync(dir), ["speech.wav"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("an error mid-stream leaves no WAV and no temp file", async () => {
  const dir = tempDir();
  try {
    const voice = mockVoice((index) => {
      if (index === 1) throw new RiffError("model failed");
    });
    await assert.rejects(speakToFile("One. Two. Three.", join(dir, "x.wav"), { voice, phonemize: fakePhonemize }), /model failed/);
    await assert.rejects(speakToFile("😀", join(dir, "y.wav"), { voice: mockVoice(), phonemize: fakePhonemize }), /nothing to speak/);
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("100,000 characters stream in bounded memory", async () => {
  const dir = tempDir();
  try {
    const sentence = "The quick brown fox jumps over the lazy dog. ";
    const text = sentence.repeat(Math.ceil(100_000 / sentence.length));
    assert.ok(text.length >= 100_000);
    global.gc?.();
    const before = process.memoryUsage().heapUsed;
    let peak = 0;
    const result = await speakToFile(text, join(dir, "long.wav"), {
      voice: mockVoice(),
      phonemize: fakePhonemize,
      onChunk: () => {
        peak = Math.max(peak, process.memoryUsage().heapUsed - before);
      },
    });
    assert.equal(result.sentences, Math.ceil(100_000 / sentence.length));
    const audioBytes = result.samples * 2;
    // The whole audio would be ~2×10⁷ bytes as PCM (8×10⁷ as floats); the heap stays far below.
    assert.ok(audioBytes > 20_000_000);
    assert.ok(peak < 60_000_000, `heap grew by ${peak} bytes`);
    assert.equal(statSync(join(dir, "long.wav")).size, result.file.bytes);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * A voice with a first stage (its length known from the ids) that streams each sentence in three
 * pieces of 100 samples per id ("loud" ones twice as loud), their loudness known before the first.
 */
function streamingVoice(log: string[]): Voice {
  const base = mockVoice();
  return {
    ...base,
    async prepare(ids) {
      const text = String.fromCharCode(...ids);
      const amplitude = text.includes("loud") ? 0.2 : 0.1;
      const n = ids.length * 100;
      log.push(`prepared ${text}`);
      async function* pieces(): AsyncGenerator<Float32Array> {
        for (let p = 0; p < 3; p++) {
          log.push(`made ${text} ${p}`);
          const from = Math.floor((p * n) / 3);
          const to = Math.floor(((p + 1) * n) / 3);
          yield Float32Array.from({ length: to - from }, (_, i) => amplitude * Math.sin((from + i) * 0.3));
        }
      }
      return { samples: n, render: async () => ({ framePowers: new Float64Array(8).fill((amplitude * amplitude) / 2), pieces: pieces() }) };
    },
  };
}

test("a voice with a first stage: parts of a sentence go out as they are made, with one gain and one pause per sentence", async () => {
  const dir = tempDir();
  try {
    const log: string[] = [];
    const chunks: SpeechChunk[] = [];
    const result = await speakToFile("Quiet one. A loud one.", join(dir, "parts.wav"), {
      voice: streamingVoice(log),
      phonemize: fakePhonemize,
      sentenceSilence: 0.5,
      onChunk: (chunk) => {
        log.push(`written ${chunk.index}.${chunk.part}`);
        chunks.push(chunk);
      },
    });
    // Each part is on disk before the next part of the same sentence is made.
    assert.deepEqual(log.slice(0, 7), ["prepared quiet one.", "made quiet one. 0", "written 0.0", "made quiet one. 1", "written 0.1", "made quiet one. 2", "written 0.2"]);
    assert.deepEqual(chunks.map((c) => `${c.index}.${c.part}`), ["0.0", "0.1", "0.2", "1.0", "1.1", "1.2"]);
    assert.equal(result.sentences, 2);
    const n0 = "quiet one.".length * 100;
    const n1 = "a loud one.".length * 100;
    // The pause (0.5 s at 8 kHz) leads the second sentence's first part only.
    assert.equal(chunks[3]!.audio.length, 4000 + Math.floor(n1 / 3));
    assert.equal(result.samples, n0 + 4000 + n1);
    assert.equal(chunks.reduce((n, c) => n + c.audio.length, 0), result.samples);
    // Each sentence at the target from the powers its voice gave before its first piece.
    const ratio = rms(chunks[4]!.audio) / rms(chunks[1]!.audio);
    assert.ok(Math.abs(ratio - 1) < 0.05, `loudness ratio ${ratio}`);
    assert.ok(Math.abs(rms(chunks[1]!.audio) - 0.1) < 0.005, `rms ${rms(chunks[1]!.audio)}`);
    const wav = new WaveFile(readFileSync(join(dir, "parts.wav")));
    assert.equal((wav.getSamples() as unknown as Float64Array).length, result.samples);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a fixed gain is held for every sentence; a silent sentence keeps the gain before it, or the voice's calibrated one", async () => {
  const gainsOf = async (text: string, voice: Voice, gain?: { fixedGain?: number; targetRms?: number }): Promise<number[]> => {
    const gains: number[] = [];
    for await (const chunk of speak(text, { voice, phonemize: fakePhonemize, sentenceSilence: 0, ...(gain ? { gain } : {}) })) gains.push(chunk.gain);
    return gains;
  };
  const silentFirst: Voice = {
    ...mockVoice(),
    outputGain: 3,
    async synthesize(ids) {
      return new Float32Array(800).fill(String.fromCharCode(...ids).includes("hush") ? 0 : 0.05);
    },
  };
  assert.deepEqual(await gainsOf("A quiet one. This is loud.", mockVoice(), { fixedGain: 2 }), [2, 2]);
  const [first, second, third] = await gainsOf("Hush now. A quiet one. Hush now.", silentFirst);
  assert.equal(first, 3, "the calibrated gain before any sentence had sound");
  assert.ok(Math.abs(second! - 2) < 1e-6, `0.05 → 0.1: gain ${second}`);
  assert.equal(third, second, "kept from the sentence before");
  const [louder] = await gainsOf("A quiet one.", silentFirst, { targetRms: 0.2 });
  assert.ok(Math.abs(louder! - 4) < 1e-6);
});
