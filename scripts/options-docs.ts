// Writes the option tables of the README and of every package's README from the option schemas
// and the scheduler registry (`npm run docs`), so the docs are derived from the same declarations
// as validation, CLI flags and config mapping. With --check it writes nothing and exits 1 when a
// document is out of date (the tests check the same through renderDocument).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { OptionSchema, SCHEDULERS, writeFileAtomically } from "@riff/core";
import { imageLoadOptionsSchema, imageOptionsSchema } from "@riff/diffusion";
import { SESSION_LOAD_OPTIONS } from "@riff/onnx";
import { textLoadOptionsSchema, textOptionsSchema } from "@riff/text";
import { speechOptionsSchema, voiceLoadOptionsSchema } from "@riff/tts";

const root = new URL("../", import.meta.url);

/** The registered diffusion schedulers, one row each, from core's table. */
function schedulerTable(): string {
  const rows = ["| name | also | diffusers class | PNG sampler label | default steps | Karras sigmas | img2img |", "|---|---|---|---|---|---|---|"];
  for (const s of SCHEDULERS) {
    const aliases = s.aliases.length === 0 ? "—" : s.aliases.map((a) => `\`${a}\``).join(", ");
    const steps = s.defaultSteps === "train" ? "all training steps" : String(s.defaultSteps);
    rows.push(`| \`${s.name}\` | ${aliases} | \`${s.className}\` | ${s.label} | ${steps} | ${s.karras ? "yes" : "no"} | ${s.partial ? "yes" : "no"} |`);
  }
  return rows.join("\n");
}

/** Every table a document can hold, by its marker name. */
const SECTIONS: Readonly<Record<string, () => string>> = {
  text: () => `${textOptionsSchema.markdownTable()}\n\nLoading (\`loadTextModel\`):\n\n${textLoadOptionsSchema.markdownTable()}`,
  image: () => `${imageOptionsSchema.markdownTable()}\n\nLoading (\`DiffusionPipeline.load\`):\n\n${imageLoadOptionsSchema.markdownTable()}`,
  speech: () => `${speechOptionsSchema.markdownTable()}\n\nLoading (\`loadVoice\`):\n\n${voiceLoadOptionsSchema.markdownTable()}`,
  session: () => new OptionSchema("session load", SESSION_LOAD_OPTIONS).markdownTable(),
  schedulers: schedulerTable,
};

/** The documents and the tables each must hold (each between `<!-- options:NAME -->` and `<!-- /options:NAME -->`). */
export const DOCUMENTS: Readonly<Record<string, readonly string[]>> = {
  "README.md": ["text", "image", "speech"],
  "packages/core/README.md": ["schedulers"],
  "packages/onnx/README.md": ["session"],
  "packages/text/README.md": ["text"],
  "packages/diffusion/README.md": ["image", "schedulers"],
  "packages/tts/README.md": ["speech"],
  "packages/cli/README.md": ["text", "image", "speech"],
  "packages/server/README.md": ["text", "image", "speech"],
};

/** `text` with each of `sections`' marked tables regenerated; `name` is for the error when a marker is missing. */
export function renderDocument(text: string, sections: readonly string[], name: string): string {
  let out = text;
  for (const section of sections) {
    const table = SECTIONS[section];
    if (table === undefined) throw new Error(`options-docs: no section "${section}"`);
    const open = `<!-- options:${section} -->`;
    const close = `<!-- /options:${section} -->`;
    const start = out.indexOf(open);
    const end = out.indexOf(close);
    if (start < 0 || end < start) throw new Error(`${name} lacks the ${open} … ${close} markers`);
    out = `${out.slice(0, start + open.length)}\n${table()}\n${out.slice(end)}`;
  }
  return out;
}

/** The top-level README with its tables regenerated. */
export function renderReadme(text: string): string {
  return renderDocument(text, DOCUMENTS["README.md"]!, "README.md");
}

/** Each document's path, current text and wanted text. */
export function renderAll(): { path: string; name: string; current: string; wanted: string }[] {
  return Object.entries(DOCUMENTS).map(([name, sections]) => {
    const path = fileURLToPath(new URL(name, root));
    const current = readFileSync(path, "utf8");
    return { path, name, current, wanted: renderDocument(current, sections, name) };
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const doc of renderAll()) {
    if (doc.current === doc.wanted) continue;
    if (process.argv.includes("--check")) {
      process.stderr.write(`${doc.name}'s option tables are out of date: run npm run docs\n`);
      process.exitCode = 1;
    } else {
      writeFileAtomically(doc.path, doc.wanted);
    }
  }
}
