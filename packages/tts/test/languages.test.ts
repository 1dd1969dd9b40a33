// Non-English Piper voices: phonemized by the system's espeak-ng (the bundled one is English only),
// checked against Debian espeak-ng's own output and piper's own inference; refused at load, by name,
// when no espeak-ng here has the language. CI installs Debian's espeak-ng (.ci/run).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Rng, RiffError } from "@riff/core";
import { bundledEspeakLanguages, espeakLanguages, espeakPhonemize, loadVoice, parsePiperConfig, PiperVoice, speak, useSystemEspeak } from "@riff/tts";

const fixtures = fileURLToPath(new URL("./fixtures/", import.meta.url));
const exported = join(fixtures, "piper-export");
const root = mkdtempSync(join(tmpdir(), "riff-lang-"));
after(() => rmSync(root, { recursive: true, force: true }));

/** The exported fixture voice with its espeak.voice set to `language` (a German or Spanish Piper voice). */
function voiceIn(language: string): string {
  const dir = join(root, language);
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(exported, "voice.onnx"), join(dir, "voice.onnx"));
  const config = JSON.parse(readFileSync(join(exported, "voice.onnx.json"), "utf8")) as Record<string, unknown>;
  writeFileSync(join(dir, "voice.onnx.json"), JSON.stringify({ ...config, espeak: { voice: language } }));
  return dir;
}

// `espeak-ng -q --ipa -v de|es "TEXT"` (Debian espeak-ng 1.51): one line per clause, joined as
// Piper's phonemizer joins them (the clause's punctuation put back, ", : ;" then a space).
const EXPECTED: ReadonlyArray<readonly [string, string, string]> = [
  ["de", "Guten Morgen, wie geht es dir?", "ɡˈuːtən mˈɔɾɡən, viː ɡˈeːt ɛs dˈiːɾ?"],
  ["de", "Schöne Grüße aus München; bis bald!", "ʃˈøːnə ɡɾˈyːsə ˌaʊs mˈynçən; bɪs bˈalt!"],
  ["de", "Achtung: Straße gesperrt.", "ˈaxtʊŋ: ʃtɾˈɑːsə ɡəʃpˈɛɾt."],
  ["es", "Buenos días, ¿cómo estás?", "bwˈenos ðˈias, kˈomo estˈas?"],
  ["es", "¡Qué bien! Mañana vamos al niño: sí.", "kˈe βjˈen! maɲˈana βˈamos al nˈiɲo: sˈi."],
];

test("German and Spanish voices phonemize as Debian's espeak-ng does, clause by clause", async () => {
  for (const language of ["de", "es"]) {
    const voice = await loadVoice(voiceIn(language), { threads: 1 });
    try {
      for (const [lang, text, phonemes] of EXPECTED.filter(([l]) => l === language)) {
        const encoded = await voice.encode(text);
        assert.equal(encoded.phonemes, phonemes.normalize("NFD"), `${lang}: ${text}`);
        assert.deepEqual(encoded.missing, [], `${lang}: ${text}`);
      }
    } finally {
      await voice.dispose();
    }
  }
});

test("German and Spanish text → riff's phonemes → ids → samples equal piper's references", async () => {
  const reference = JSON.parse(readFileSync(join(fixtures, "piper-export-reference.json"), "utf8")) as {
    cases: Array<{ voice: string; language: string; text: string; phoneme_ids: number[]; int16_base64: string }>;
  };
  const cases = reference.cases.filter((c) => c.language === "de" || c.language === "es");
  assert.equal(cases.length, 2);
  for (const c of cases) {
    const voice = await PiperVoice.load(voiceIn(c.language), { inference: { noiseScale: 0, noiseW: 0 } });
    try {
      const encoded = await voice.encode(c.text);
      assert.deepEqual(encoded.ids, c.phoneme_ids, c.text);
      const audio = await voice.synthesize(encoded.ids, { rng: new Rng(0) });
      const theirs = Buffer.from(c.int16_base64, "base64");
      assert.equal(audio.length * 2, theirs.length, c.text);
      for (let i = 0; i < audio.length; i++) {
        const ours = Math.trunc(Math.min(32767, Math.max(-32767, Math.fround(audio[i]! * 32767))));
        if (ours !== theirs.readInt16LE(2 * i)) assert.fail(`${c.text}: sample ${i} is ${ours}, piper's ${theirs.readInt16LE(2 * i)}`);
      }
    } finally {
      await voice.dispose();
    }
  }
});

test("the bundled espeak-ng is English only; the system one adds German and Spanish", async () => {
  const bundled = await bundledEspeakLanguages();
  assert.ok(bundled.has("en-us") && bundled.has("en-gb"));
  assert.ok(!bundled.has("de") && !bundled.has("es"));
  const all = await espeakLanguages();
  for (const language of ["en-us", "de", "es", "es-419", "fr", "pt-br"]) assert.ok(all.has(language), language);
  assert.deepEqual(await espeakPhonemize("Hallo Welt", "de"), ["hˈaloː vˈɛlt"]);
  // Text is input, never options: a leading "-v" is read aloud.
  assert.deepEqual(await espeakPhonemize("-v Hallo", "de"), ["fˈaʊ hˈaloː"]);
});

test("a language no espeak-ng here has is a RiffError at load naming it and its config, not a stack trace", async () => {
  const dir = voiceIn("xx-nowhere");
  await assert.rejects(loadVoice(dir, { threads: 1 }), (e: unknown) => {
    assert.ok(e instanceof RiffError, String(e));
    assert.equal(e.option, "voice");
    assert.ok(e.message.includes(join(dir, "voice.onnx.json")), e.message);
    assert.match(e.message, /speaks "xx-nowhere" \(espeak\.voice\).*English data only.*system espeak-ng \(espeak-ng\) has no voice "xx-nowhere"/);
    return true;
  });
});

test("without a system espeak-ng, a German voice is refused at load with how to install it; English still loads", async () => {
  const previous = useSystemEspeak(join(root, "no-such-espeak-ng"));
  try {
    const dir = voiceIn("de");
    await assert.rejects(loadVoice(dir, { threads: 1 }), (e: unknown) => {
      assert.ok(e instanceof RiffError, String(e));
      assert.match(e.message, /speaks "de" \(espeak\.voice\).*English data only.*no system espeak-ng was found.*apt-get install espeak-ng/);
      return true;
    });
    await assert.rejects(espeakPhonemize("Hallo", "de"), (e: unknown) => e instanceof RiffError && /"de" \(espeak\.voice\)/.test(e.message));
    const english = await loadVoice(voiceIn("en-gb-x-rp"), { threads: 1 });
    await english.dispose();
  } finally {
    useSystemEspeak(previous);
  }
});

test("speak(): German numbers are read by espeak in German (English normalization is for English voices); ¿ ¡ are not 'dropped'", async () => {
  const voice = await loadVoice(voiceIn("de"), { threads: 1 });
  try {
    const chunks = [];
    for await (const chunk of speak("Es kostet 25 Euro.", { voice, seed: 1 })) chunks.push(chunk);
    assert.equal(chunks[0]!.phonemes, "ɛs kˈɔstət fˈynf ʊnttsvˈantsɪç ˈɔøroː.".normalize("NFD"));
  } finally {
    await voice.dispose();
  }
  const es = await loadVoice(voiceIn("es"), { threads: 1 });
  try {
    for await (const chunk of speak("¡Hola! ¿Tengo 3 gatos?", { voice: es, seed: 1 })) assert.deepEqual(chunk.droppedCharacters, []);
  } finally {
    await es.dispose();
  }
});

test("default_speaker_id is the speaker when none is given, as in Piper", () => {
  const config = JSON.parse(readFileSync(join(fixtures, "piper-export-multi", "voice.onnx.json"), "utf8")) as Record<string, unknown>;
  assert.equal(parsePiperConfig({ ...config, default_speaker_id: 2 }).defaultSpeaker, 2);
  assert.equal(parsePiperConfig(config).defaultSpeaker, 0);
  assert.throws(() => parsePiperConfig({ ...config, default_speaker_id: 3 }), /default_speaker_id/);
});
