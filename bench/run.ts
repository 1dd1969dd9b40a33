/**
 * riff's benchmarks: `npm run bench` runs every section, `npm run bench -- text` only the named
 * ones. Prints a summary and writes the figures, with the machine they came from, to
 * bench/results/bench.json (sections not run this time keep their previous entry).
 *
 * riff runs from its build output (each package's dist/, built by `tsc -b` first), the JavaScript
 * users run; tsx only compiles the bench's own files. Loading riff's TypeScript sources through
 * tsx instead (the riff-source condition the tests use) adds the loader's own per-call code, such
 * as a name-keeping wrapper around every closure, that users never run.
 */
import { diffusionAdherenceSection, diffusionSection } from "./diffusion.js";
import { leaksSection } from "./leaks.js";
import { realsizeSection } from "./realsize.js";
import { serveSection } from "./serve.js";
import { speechSection } from "./speech.js";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { writeFileAtomically } from "@riff/core";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { isGoal, round, type BenchSection } from "./section.js";
import { structuredSection } from "./structured.js";
import { textSection } from "./text.js";

/** Every section, in the order they run. Add new ones here. */
const SECTIONS: readonly BenchSection[] = [textSection, diffusionSection, speechSection, diffusionAdherenceSection, leaksSection, structuredSection, serveSection, realsizeSection];

interface SectionEntry {
  readonly date: string;
  readonly seconds: number;
  readonly machine: Machine;
  readonly figures: Record<string, unknown>;
}

interface Machine {
  readonly cpu: string;
  readonly cpus: number;
  readonly loadAverage: readonly number[];
  readonly memoryGiB: number;
  readonly platform: string;
  readonly node: string;
  readonly onnxruntimeNode: string;
}

const resultsDir = fileURLToPath(new URL("./results/", import.meta.url));
const resultsFile = `${resultsDir}bench.json`;

function machine(): Machine {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? "unknown",
    cpus: cpus.length,
    loadAverage: os.loadavg().map((l) => round(l, 3)),
    memoryGiB: round(os.totalmem() / 2 ** 30, 3),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    onnxruntimeNode: packageVersion("onnxruntime-node"),
  };
}

function packageVersion(name: string): string {
  try {
    const require = createRequire(fileURLToPath(new URL("../packages/onnx/package.json", import.meta.url)));
    return (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

/** The figures as indented "name  value" lines; goals show their target and whether it is met. */
function summarise(figures: Record<string, unknown>, indent = "  "): string[] {
  const lines: string[] = [];
  const width = Math.max(0, ...Object.keys(figures).map((k) => k.length));
  for (const [key, value] of Object.entries(figures)) {
    const label = `${indent}${key.padEnd(width)}  `;
    if (isGoal(value)) {
      lines.push(`${label}${value.value}  (goal ${value.goal}: ${value.met ? "met" : "NOT met"})`);
    } else if (isMedianSpread(value)) {
      lines.push(`${label}${value.median}  (min ${value.min}, max ${value.max}, n ${value.n})`);
    } else if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      lines.push(`${indent}${key}:`, ...summarise(value as Record<string, unknown>, `${indent}  `));
    } else {
      lines.push(`${label}${Array.isArray(value) ? value.join(", ") : String(value)}`);
    }
  }
  return lines;
}

function isMedianSpread(x: unknown): x is { median: number; min: number; max: number; n: number } {
  return typeof x === "object" && x !== null && ["median", "min", "max", "n"].every((k) => typeof (x as Record<string, unknown>)[k] === "number");
}

function readPrevious(): Record<string, SectionEntry> {
  if (!existsSync(resultsFile)) return {};
  try {
    const previous = JSON.parse(readFileSync(resultsFile, "utf8")) as { sections?: Record<string, SectionEntry> };
    return previous.sections ?? {};
  } catch {
    return {};
  }
}

async function main(): Promise<number> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !SECTIONS.some((s) => s.name === w));
  if (unknown.length > 0) {
    console.error(`unknown bench section${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")}; there are: ${SECTIONS.map((s) => s.name).join(", ")}`);
    return 2;
  }
  const chosen = wanted.length === 0 ? SECTIONS : SECTIONS.filter((s) => wanted.includes(s.name));
  const sections = readPrevious();
  let failed = false;
  for (const section of chosen) {
    console.error(`[bench] ${section.name} …`);
    const started = performance.now();
    let figures: Record<string, unknown>;
    try {
      figures = await section.run();
    } catch (error) {
      failed = true;
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      console.error(`[bench] ${section.name} failed: ${message}`);
      figures = { failed: error instanceof Error ? error.message : String(error) };
    }
    const seconds = round((performance.now() - started) / 1000, 3);
    sections[section.name] = { date: new Date().toISOString(), seconds, machine: machine(), figures };
    console.log(`\n${section.name} (${seconds} s)`);
    if (typeof figures.skipped === "string") console.log(`  skipped: ${figures.skipped}`);
    else console.log(summarise(figures).join("\n"));
  }
  mkdirSync(resultsDir, { recursive: true });
  writeFileAtomically(resultsFile, `${JSON.stringify({ date: new Date().toISOString(), machine: machine(), sections }, null, 2)}\n`);
  console.log(`\nfigures written to ${resultsFile}`);
  return failed ? 1 : 0;
}

process.exitCode = await main();
