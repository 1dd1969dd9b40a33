// Speak with a Piper voice (a folder with voice.onnx + voice.onnx.json, as Piper's exporter writes it,
// or FILE.onnx with FILE.onnx.json beside it). `await using` frees the voice's ONNX session when the
// block ends, even on a throw.
// Run: node --conditions=riff-source --import tsx examples/piper-voice.ts [out-folder] [voice]
// The default voice is a test fixture from piper's own exporter with random weights: it makes noise,
// not speech. Pass a real one (e.g. en_US-lessac-medium.onnx) to hear words.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { loadVoice, speakToFile } from "@riff/tts";

const out = process.argv[2] ?? "out/examples";
const path = process.argv[3] ?? "packages/tts/test/fixtures/piper-export-multi";
mkdirSync(out, { recursive: true });
{
  await using voice = await loadVoice(path);
  // Multi-speaker voices name their speakers (speaker_id_map); pick one by name or by number.
  const speakers = [...voice.speakers.keys()];
  console.log(`${voice.kind} voice, ${voice.sampleRate} Hz, speakers: ${speakers.join(", ") || "one"}`);
  const wav = join(out, "piper.wav");
  const result = await speakToFile("Hello there, how are you? The quick brown fox jumps over the lazy dog.", wav, {
    voice,
    ...(speakers.length > 1 ? { speaker: speakers[1] } : {}),
    onChunk: (chunk) => console.log(`sentence ${chunk.index + 1}: /${chunk.phonemes}/`),
  });
  console.log(`wrote ${wav}: ${result.sentences} sentences, ${(result.file.samples / voice.sampleRate).toFixed(2)} s`);
} // the voice is disposed here
console.log("disposed");
