/**
 * Leaks: does riff's memory stay flat when a long-lived process keeps working? In one process,
 * each phase repeats one operation with the embedded models — text generations (kjv-llama, short
 * outputs), images (shapes-diffusion, few steps), speech (slt-voice, a short sentence), then load
 * and dispose cycles of each modality — and compares the resident set size after the phase's
 * warm-up (the first tenth of its repetitions: the JIT, onnxruntime's arenas and V8's young
 * generation settle there) with the one at its end. Goal: under 10% growth after warm-up.
 *
 * Every reading follows two full garbage collections, so garbage not yet collected is not counted
 * as a leak; heap and external figures beside the RSS tell JavaScript memory from native memory,
 * and the size of V8's young generation shows when V8 grew it (it doubles, up to 32 MiB on Node
 * 20, once enough objects have survived its scavenges: a long-lived process gets there sooner or
 * later, a leak or not). A time series of RSS readings per phase shows whether growth levels off
 * or keeps rising.
 *
 * Environment: RIFF_BENCH_LEAKS_SCALE multiplies every count (default 1: the counts below; e.g.
 * 0.05 for a quick run).
 */
import { getHeapSpaceStatistics, setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { fileURLToPath } from "node:url";
import { loadTextModel } from "@riff/text";
import { DiffusionPipeline } from "@riff/diffusion";
import { loadVoice, speak, warmUpEspeak, type Voice } from "@riff/tts";
import { goal, round, type BenchSection } from "./section.js";

const models = (name: string): string => fileURLToPath(new URL(`../models/${name}`, import.meta.url));
const textDir = models("kjv-llama");
const imageDir = models("shapes-diffusion");
const voiceDir = models("slt-voice");

const COUNTS = { text: 1000, image: 200, speech: 500, loadDispose: 500 } as const;
const GOAL_GROWTH = 0.1;
const SAMPLES = 10;

/** A garbage collector even when node was started without --expose-gc (as `npm run bench` is). */
function collector(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

const gc = collector();

interface Reading {
  readonly rssMiB: number;
  readonly heapUsedMiB: number;
  readonly heapTotalMiB: number;
  readonly externalMiB: number;
  /** V8's young generation (new space), reserved. */
  readonly newSpaceMiB: number;
}

function read(): Reading {
  gc();
  gc();
  const m = process.memoryUsage();
  const mib = (bytes: number): number => round(bytes / 2 ** 20, 4);
  const newSpace = getHeapSpaceStatistics().find((space) => space.space_name === "new_space")?.space_size ?? Number.NaN;
  return {
    rssMiB: mib(m.rss),
    heapUsedMiB: mib(m.heapUsed),
    heapTotalMiB: mib(m.heapTotal),
    externalMiB: mib(m.external),
    newSpaceMiB: mib(newSpace),
  };
}

function scaled(count: number): number {
  const raw = process.env.RIFF_BENCH_LEAKS_SCALE;
  const scale = raw === undefined || raw === "" ? 1 : Number(raw);
  if (!Number.isFinite(scale) || scale <= 0) throw new Error(`RIFF_BENCH_LEAKS_SCALE must be a positive number, got "${raw}"`);
  return Math.max(10, Math.round(count * scale));
}

/** Runs `once` `count` times; RSS after the warm-up (the first tenth) against RSS at the end. */
async function phase(name: string, count: number, once: (i: number) => Promise<void>): Promise<Record<string, unknown>> {
  const warmUp = Math.max(1, Math.round(count / 10));
  const every = Math.max(1, Math.floor((count - warmUp) / SAMPLES));
  const started = performance.now();
  for (let i = 0; i < warmUp; i++) await once(i);
  const afterWarmUp = read();
  const series: number[] = [afterWarmUp.rssMiB];
  const newSpaceSeries: number[] = [afterWarmUp.newSpaceMiB];
  const sample = (reading: Reading): Reading => {
    series.push(reading.rssMiB);
    newSpaceSeries.push(reading.newSpaceMiB);
    return reading;
  };
  for (let i = warmUp; i < count; i++) {
    await once(i);
    if ((i + 1 - warmUp) % every === 0 && i + 1 < count) sample(read());
  }
  const end = sample(read());
  const growth = round(end.rssMiB / afterWarmUp.rssMiB - 1, 3);
  console.error(`[bench] leaks: ${name} ×${count}: RSS ${afterWarmUp.rssMiB} → ${end.rssMiB} MiB (${(growth * 100).toFixed(1)}%)`);
  return {
    count,
    warmUp,
    seconds: round((performance.now() - started) / 1000, 3),
    rssGrowth: goal(growth, "≤", GOAL_GROWTH),
    afterWarmUp,
    end,
    // RSS less V8's heap: onnxruntime, the allocator, buffers outside the heap.
    outsideHeapGrowth: round((end.rssMiB - end.heapTotalMiB) / (afterWarmUp.rssMiB - afterWarmUp.heapTotalMiB) - 1, 3),
    rssMiBSeries: series,
    newSpaceMiBSeries: newSpaceSeries,
  };
}

async function speakOnce(voice: Voice, seed: number): Promise<void> {
  for await (const chunk of speak("Hello there, how are you today?", { voice, seed })) {
    if (chunk.audio.length === 0 && chunk.part > 0) throw new Error("an empty speech chunk");
  }
}

export const leaksSection: BenchSection = {
  name: "leaks",
  async run() {
    const start = read();
    const phases: Record<string, unknown> = {};

    const text = await loadTextModel(textDir);
    try {
      phases.textGenerations = await phase("text generations", scaled(COUNTS.text), async (i) => {
        const result = await text.generate("And God said", { maxNewTokens: 8, seed: i, doSample: true });
        if (result.tokens.length === 0) throw new Error("no tokens generated");
      });
    } finally {
      await text.dispose();
    }

    const pipeline = await DiffusionPipeline.load(imageDir);
    try {
      phases.images = await phase("images", scaled(COUNTS.image), async (i) => {
        await pipeline.run({ prompt: "a red circle on a blue background", steps: 4, seed: i });
      });
    } finally {
      await pipeline.dispose();
    }

    await warmUpEspeak();
    const voice = await loadVoice(voiceDir);
    try {
      phases.speech = await phase("speech", scaled(COUNTS.speech), (i) => speakOnce(voice, i));
    } finally {
      await voice.dispose();
    }

    const cycles = scaled(COUNTS.loadDispose);
    phases.textLoadDispose = await phase("text load/dispose", cycles, async () => {
      await (await loadTextModel(textDir)).dispose();
    });
    phases.imageLoadDispose = await phase("image load/dispose", cycles, async () => {
      await (await DiffusionPipeline.load(imageDir)).dispose();
    });
    phases.voiceLoadDispose = await phase("voice load/dispose", cycles, async () => {
      await (await loadVoice(voiceDir)).dispose();
    });

    const end = read();
    const growths = Object.values(phases).map((p) => ((p as { rssGrowth: { value: number } }).rssGrowth.value));
    return {
      goal: `RSS growth after each phase's warm-up ≤ ${GOAL_GROWTH * 100}%`,
      worstGrowth: goal(Math.max(...growths), "≤", GOAL_GROWTH),
      startRssMiB: start.rssMiB,
      endRssMiB: end.rssMiB,
      ...phases,
    };
  },
};
