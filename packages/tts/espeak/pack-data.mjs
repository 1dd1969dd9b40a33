// riff: extracts espeak-ng's English data from phonemizer 1.2.1's bundle (its Emscripten
// file_packager data: base64 → gzip → one blob, with the file offsets in the same JS) and writes
// the part English needs as one pack for memfs.c:
//   "RIFFESPK" u32:count { u16:name_length name u32:size bytes }*count   (little-endian)
// Usage: node pack-data.mjs <phonemizer/dist/phonemizer.js> <out.pack>
import fs from "node:fs";
import zlib from "node:zlib";

const [bundlePath, outPath] = process.argv.slice(2);
if (!bundlePath || !outPath) throw new Error("usage: node pack-data.mjs <phonemizer.js> <out.pack>");
const bundle = fs.readFileSync(bundlePath, "utf8");

const base64 = bundle.match(/"([A-Za-z0-9+/=]{100000,})"/)?.[1];
if (!base64) throw new Error("no embedded data package found");
const blob = zlib.gunzipSync(Buffer.from(base64, "base64"));

const listText = bundle.match(/\{files:(\[\{filename:.*?\}\]),remote_package_size/)?.[1];
if (!listText) throw new Error("no file list found");
const root = "/usr/share/espeak-ng-data";
// The list names its directories through three minified variables: data, data/lang, data/voices.
const list = [...listText.matchAll(/\{filename:(\w)\+"([^"]*)",start:(\d+),end:(\d+)\}/g)].map((m) => {
  const base = { e: root, C: `${root}/lang`, a: `${root}/voices` }[m[1]];
  if (base === undefined) throw new Error(`unknown directory variable ${m[1]}`);
  return { name: `${base}${m[2]}`.slice(root.length + 1), start: Number(m[3]), end: Number(m[4]) };
});

// English: the phoneme tables, intonation, the English dictionary and the English language files.
const keep = (name) =>
  ["phontab", "phonindex", "phondata", "intonations", "en_dict"].includes(name) || /^lang\/gmw\/en(-|$)/.test(name);
const files = list.filter((file) => keep(file.name));

const parts = [Buffer.from("RIFFESPK"), u32(files.length)];
for (const file of files) {
  const name = Buffer.from(file.name);
  parts.push(u16(name.length), name, u32(file.end - file.start), blob.subarray(file.start, file.end));
}
fs.writeFileSync(outPath, Buffer.concat(parts));
console.log(`${outPath}: ${files.length} files: ${files.map((file) => file.name).join(" ")}`);

function u16(n) {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
}
function u32(n) {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}
