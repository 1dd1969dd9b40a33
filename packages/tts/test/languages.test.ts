// Piper voices in languages the bundled espeak-ng lacks are refused at load, by name.
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { RiffError } from "@riff/core";
import { espeakLanguages, espeakPhonemize, loadVoice } from "@riff/tts";

const tiny = fileURLToPath(new URL("./fixtures/piper-tiny", import.meta.url));

test("a German or Spanish Piper voice is a RiffError at load naming its language and config, not a stack trace", async () => {
  const root = mkdtempSync(join(tmpdir(), "riff-lang-"));
  try {
    for (const language of ["de", "es", "en-gb-x-rp"]) {
      const dir = join(root, language);
      mkdirSync(dir);
      copyFileSync(join(tiny, "voice.onnx"), join(dir, "voice.onnx"));
      const config = JSON.parse(readFileSync(join(tiny, "voice.onnx.json"), "utf8")) as Record<string, unknown>;
      writeFileSync(join(dir, "voice.onnx.json"), JSON.stringify({ ...config, espeak: { voice: language } }));
      if (language.startsWith("en")) {
        const voice = await loadVoice(dir, { threads: 1 });
        await voice.dispose();
        continue;
      }
      await assert.rejects(loadVoice(dir, { threads: 1 }), (e: unknown) => {
        assert.ok(e instanceof RiffError, String(e));
        assert.equal(e.option, "voice");
        assert.ok(e.message.includes(join(dir, "voice.onnx.json")), e.message);
        assert.match(e.message, new RegExp(`speaks "${language}" \\(espeak\\.voice\\).*English data only`));
        return true;
      });
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("espeak's languages are English only (phonemizer 1.2.1), and phonemizing another is a RiffError", async () => {
  const languages = await espeakLanguages();
  assert.ok(languages.has("en-us") && languages.has("en-gb"));
  assert.ok(!languages.has("de") && !languages.has("es"));
  await assert.rejects(espeakPhonemize("Hallo Welt", "de"), (e: unknown) => e instanceof RiffError && /"de" \(espeak\.voice\)/.test(e.message));
});
