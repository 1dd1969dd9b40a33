// Calibrates the voice's fixed output gain (voice.json audio.output_gain), so speak() never picks
// a gain from how a text begins: synthesizes a fixed set of sentences at speeds 0.5, 1 and 2 with
// gain 1 and takes the gain that brings their median active level (RMS of the 20 ms frames with
// sound) to -20 dBFS, lowered if needed so that the loudest peak stays at 0.8 (below the limiter's knee).
// Run from the repository after `npm run build`: node models/slt-voice/recipe/calibrate_gain.mjs models/slt-voice
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadVoice, speak, rms } from "@riff/tts";

const folder = process.argv[2] ?? "models/slt-voice";
const TARGET_RMS = 0.1;
const PEAK = 0.8;
const SENTENCES = [
  "She lives on the fifth floor of the old building.",
  "Hello, how are you today?",
  "The quick brown fox jumps over the lazy dog.",
  "Shh, the baby is sleeping in the next room.",
  "Fish and chips were served at six.",
  "Thank you for calling, please hold the line.",
  "Several ships sailed south in the summer.",
  "Where did you put my keys?",
  "My brother moved to a small town near the coast.",
  "Could you open the window, please?",
  "Father said we would leave before the rain began.",
  "All of the children laughed at the clown.",
];

const voice = await loadVoice(folder);
const levels = [];
let peak = 0;
try {
  for (const speed of [0.5, 1, 2]) {
    for (const text of SENTENCES) {
      const frames = [];
      for await (const chunk of speak(text, { voice, speed, gain: { fixedGain: 1, knee: 0.999 } })) {
        for (let i = 0; i + 441 <= chunk.audio.length; i += 441) frames.push(rms(chunk.audio.subarray(i, i + 441)));
        for (const v of chunk.audio) peak = Math.max(peak, Math.abs(v));
      }
      const active = frames.filter((level) => level > 0.003);
      levels.push(Math.sqrt(active.reduce((sum, level) => sum + level * level, 0) / active.length));
    }
  }
} finally {
  await voice.dispose();
}
levels.sort((a, b) => a - b);
const median = levels[Math.floor(levels.length / 2)];
const gain = Math.round(Math.min(TARGET_RMS / median, PEAK / peak) * 1000) / 1000;
const path = join(folder, "voice.json");
const note =
  `fixed gain for the whole stream (recipe/calibrate_gain.mjs): median active level ${median.toFixed(4)} → -20 dBFS, loudest peak ${peak.toFixed(3)} → ≤ ${PEAK}; ` +
  `${SENTENCES.length} sentences × speeds 0.5, 1, 2`;
// Edited as text, so the rest of the file (written by export_onnx.py) keeps its form.
const lines = readFileSync(path, "utf8").split("\n").filter((line) => !/^\s*"output_gain(_note)?":/.test(line));
const audio = lines.findIndex((line) => /^ "audio": \{$/.test(line));
if (audio < 0) throw new Error(`${path}: no "audio" section`);
lines.splice(audio + 1, 0, `  "output_gain": ${gain},`, `  "output_gain_note": ${JSON.stringify(note)},`);
writeFileSync(path, lines.join("\n"));
console.log(`audio.output_gain = ${gain} (median active ${median.toFixed(4)}, levels ${levels[0].toFixed(4)}–${levels.at(-1).toFixed(4)}, peak ${peak.toFixed(3)})`);
