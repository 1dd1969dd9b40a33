import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadVoice, speakToFile } from "@riff/tts";
import { goal, round, spread, type BenchSection } from "./section.js";

const voiceDir = fileURLToPath(new URL("../models/slt-voice", import.meta.url));
const TEXT =
  "It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in want of a wife. " +
  "However little known the feelings or views of such a man may be on his first entering a neighbourhood, this truth is well fixed.";
const REPS = 3;

/** Real-time factor and time to the first audio chunk of the embedded default voice. */
export const speechSection: BenchSection = {
  name: "speech",
  async run() {
    const voice = await loadVoice(voiceDir);
    const dir = mkdtempSync(join(tmpdir(), "riff-bench-"));
    try {
      const rtf: number[] = [];
      const firstChunk: number[] = [];
      let audioSeconds = 0;
      for (let i = 0; i < REPS; i++) {
        const result = await speakToFile(TEXT, join(dir, `speech-${i}.wav`), { voice, seed: 1 });
        rtf.push(result.realTimeFactor);
        firstChunk.push(result.firstChunkWrittenMs);
        audioSeconds = result.durationSeconds;
      }
      const rtfSpread = spread(rtf);
      const firstSpread = spread(firstChunk);
      return {
        voice: "slt-voice",
        audioSeconds: round(audioSeconds),
        realTimeFactor: goal(rtfSpread.median, "≤", 0.05),
        firstChunkMs: goal(firstSpread.median, "≤", 150),
        realTimeFactorSpread: rtfSpread,
        firstChunkMsSpread: firstSpread,
      };
    } finally {
      await voice.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
