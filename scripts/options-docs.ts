// Writes the README's option tables from the option schemas (`npm run docs`), so the docs are
// derived from the same declarations as validation, CLI flags and config mapping. With --check it
// writes nothing and exits 1 when the README is out of date (the tests run it that way).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { writeFileAtomically } from "@riff/core";
import { imageLoadOptionsSchema, imageOptionsSchema } from "@riff/diffusion";
import { textLoadOptionsSchema, textOptionsSchema } from "@riff/text";
import { speechOptionsSchema, voiceLoadOptionsSchema } from "@riff/tts";

const readme = fileURLToPath(new URL("../README.md", import.meta.url));

/** Each marked section of the README and the tables it holds. */
const SECTIONS: Readonly<Record<string, string>> = {
  text: `${textOptionsSchema.markdownTable()}\n\nLoading (\`loadTextModel\`):\n\n${textLoadOptionsSchema.markdownTable()}`,
  image: `${imageOptionsSchema.markdownTable()}\n\nLoading (\`DiffusionPipeline.load\`):\n\n${imageLoadOptionsSchema.markdownTable()}`,
  speech: `${speechOptionsSchema.markdownTable()}\n\nLoading (\`loadVoice\`):\n\n${voiceLoadOptionsSchema.markdownTable()}`,
};

export function renderReadme(text: string): string {
  let out = text;
  for (const [name, table] of Object.entries(SECTIONS)) {
    const open = `<!-- options:${name} -->`;
    const close = `<!-- /options:${name} -->`;
    const start = out.indexOf(open);
    const end = out.indexOf(close);
    if (start < 0 || end < start) throw new Error(`README.md lacks the ${open} … ${close} markers`);
    out = `${out.slice(0, start + open.length)}\n${table}\n${out.slice(end)}`;
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const current = readFileSync(readme, "utf8");
  const wanted = renderReadme(current);
  if (process.argv.includes("--check")) {
    if (current !== wanted) {
      process.stderr.write("README.md's option tables are out of date: run npm run docs\n");
      process.exitCode = 1;
    }
  } else if (current !== wanted) {
    writeFileAtomically(readme, wanted);
  }
}
