// Speak a text into a WAV file, sentence by sentence: each chunk is on disk as soon as it is made.
// Run: node --conditions=riff-source --import tsx examples/speech-to-file.ts [out-folder]
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { resolveModelDir } from "@riff/core";
import { loadVoice, speakToFile } from "@riff/tts";

const out = process.argv[2] ?? "out/examples";
mkdirSync(out, { recursive: true });
// The embedded voice (models/slt-voice); a Piper folder or FILE.onnx works the same way.
const voice = await loadVoice(resolveModelDir("speech", undefined));
try {
  const path = join(out, "speech.wav");
  const result = await speakToFile("Hello from riff. It is 3:30 pm, and the tea costs $4.50.", path, {
    voice,
    speed: 1.1,
    seed: 1,
    // Called after each sentence's audio is written (the file is renamed into place at the end).
    onChunk: (chunk, bytes) => console.log(`sentence ${chunk.index + 1}.${chunk.part}: ${chunk.audio.length} samples, ${bytes} bytes so far`),
  });
  console.log(`wrote ${path}: ${(result.file.samples / voice.sampleRate).toFixed(2)} s at ${voice.sampleRate} Hz`);
} finally {
  await voice.dispose();
}
