// Phonemize training sentences with the same espeak-ng riff uses at run time (@riff/tts's
// espeak-ng WASM; the first voice was trained on the npm `phonemizer` 1.2.1, whose phonemes these
// equal: packages/tts/test/espeak-wasm.test.ts).
// usage: node phonemize.mjs sentences.txt phonemes.jsonl   (run from the repository root after `npm run build`)
import { espeakPhonemize } from "@riff/tts";
import fs from "node:fs";
const [inp, out] = process.argv.slice(2);
const lines = fs.readFileSync(inp, "utf8").split("\n").filter((l) => l.trim());
const fd = fs.openSync(out, "w");
for (let i = 0; i < lines.length; i++) {
  const clauses = await espeakPhonemize(lines[i], "en-us");
  fs.writeSync(fd, JSON.stringify({ i, text: lines[i], clauses }) + "\n");
}
fs.closeSync(fd);
