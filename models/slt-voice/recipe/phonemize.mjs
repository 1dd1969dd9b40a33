// Phonemize training sentences with the SAME npm `phonemizer` (espeak-ng WASM) used by riff at run time.
// usage: node phonemize.mjs sentences.txt phonemes.jsonl   (run from /work/main so node_modules resolves)
import { phonemize } from "phonemizer";
import fs from "node:fs";
const [inp, out] = process.argv.slice(2);
const lines = fs.readFileSync(inp, "utf8").split("\n").filter((l) => l.trim());
const fd = fs.openSync(out, "w");
for (let i = 0; i < lines.length; i++) {
  const clauses = await phonemize(lines[i], "en-us");
  fs.writeSync(fd, JSON.stringify({ i, text: lines[i], clauses }) + "\n");
}
fs.closeSync(fd);
