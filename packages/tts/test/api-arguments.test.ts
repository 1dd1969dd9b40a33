// speak() and speakToFile() refuse wrong arguments with a RiffError naming them, and disposing the
// voice during speakToFile() rejects with a RiffError, leaving neither the WAV nor a temp file.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { RiffError } from "@riff/core";
import { loadVoice, speak, speakToFile, type SpeakOptions } from "@riff/tts";
import { failOnUnhandledRejections } from "../../../test/support/unhandled.js";

const voiceDir = fileURLToPath(new URL("../../../models/slt-voice", import.meta.url));
failOnUnhandledRejections();

const names = (option: string, pattern: RegExp) => (error: unknown) => error instanceof RiffError && error.option === option && pattern.test(error.message);

test("speak(null), speak(text, null) and speakToFile with null arguments are RiffErrors naming them", async () => {
  const voice = await loadVoice(voiceDir);
  const dir = mkdtempSync(join(tmpdir(), "riff-tts-args-"));
  try {
    const drain = async (text: unknown, options: unknown): Promise<void> => {
      for await (const _ of speak(text as string, options as SpeakOptions)) void _;
    };
    await assert.rejects(drain(null, { voice }), names("text", /text must be a string, got null/));
    await assert.rejects(drain("Hello.", null), names("options", /got null/));
    await assert.rejects(drain("Hello.", { voice: null }), names("voice", /loaded voice/));
    await assert.rejects(speakToFile(null as unknown as string, join(dir, "a.wav"), { voice }), names("text", /got null/));
    await assert.rejects(speakToFile("Hello.", null as unknown as string, { voice }), names("out", /got null/));
    await assert.rejects(speakToFile("Hello.", join(dir, "a.wav"), null as unknown as SpeakOptions), names("options", /got null/));
    assert.deepEqual(readdirSync(dir), [], "no file and no temp file");
  } finally {
    await voice.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("disposing the voice during speakToFile rejects with a RiffError saying so; no WAV, no temp file", async () => {
  const voice = await loadVoice(voiceDir);
  const dir = mkdtempSync(join(tmpdir(), "riff-tts-dispose-"));
  try {
    let chunks = 0;
    let disposed: Promise<void> | undefined;
    const run = speakToFile("Hello there, this is a long sentence that goes on. ".repeat(20), join(dir, "a.wav"), {
      voice,
      onChunk: () => {
        if (++chunks === 2) disposed = voice.dispose();
      },
    });
    await assert.rejects(run, (error: unknown) => error instanceof RiffError && /disposed/.test(error.message));
    await disposed;
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
