/**
 * The `structured` bench section: what responseFormat costs. Per model (the embedded kjv-llama and,
 * where ../shared has it, stories260K): decoding speed with a JSON Schema against the same runs
 * without (the mask's share of the step time; goal ≤ 10%), and the compile time of a schema, cold
 * (first use on a fresh model, engine start included) and cached; then the valid-rate evaluation
 * (structured-eval.ts).
 *
 * The share is measured per seed on runs of the same length, constrained and plain alternated
 * ROUNDS times, each side's fastest run kept: on a shared machine one pair of runs differs by more
 * than the mask costs (another process takes a core for a millisecond), and the fastest of a few is
 * the run least disturbed. `maskShareFirstRound` is the same figure from the first pair alone.
 * `maskShareReplayed` divides the mask's own time per token (structured-replay.ts, the runs'
 * tokens replayed through the matcher) by the plain step time.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadTextModel } from "@riff/text";
import { goal, median, round, type BenchSection } from "./section.js";
import { evaluateSchemas } from "./structured-eval.js";
import { maskReplay } from "./structured-replay.js";

const MODELS: Record<string, string> = {
  kjvLlama: fileURLToPath(new URL("../models/kjv-llama", import.meta.url)),
  stories260K: fileURLToPath(new URL("../../shared/models/stories260K", import.meta.url)),
};
const SCHEMA = {
  type: "object",
  properties: { name: { type: "string", maxLength: 24 }, tags: { type: "array", items: { type: "string", maxLength: 12 }, maxItems: 4 }, age: { type: "integer", minimum: 0, maximum: 120 } },
  required: ["name", "tags", "age"],
};
const SEEDS = 20;
const ROUNDS = 3;

async function measure(dir: string): Promise<Record<string, unknown>> {
  const model = await loadTextModel(dir);
  try {
    const format = { type: "json_schema", schema: SCHEMA } as const;
    const free = await model.generate("Once upon a time", { maxNewTokens: 1 });
    const cold = await model.generate("Once upon a time", { maxNewTokens: 1, responseFormat: format });
    const cached = await model.generate("Once upon a time", { maxNewTokens: 1, responseFormat: format });
    const shares: number[] = [];
    const firstRound: number[] = [];
    const replayMs: number[] = [];
    const plainStepMs: number[] = [];
    const replay = await maskReplay(dir, SCHEMA);
    for (let seed = 0; seed < SEEDS; seed++) {
      const options = { temperature: 1, seed, maxNewTokens: 64 };
      let constrainedBest = 0;
      let plainBest = 0;
      for (let round = 0; round < ROUNDS; round++) {
        const constrained = await model.generate("Once upon a time", { ...options, responseFormat: format });
        // The same number of tokens without the constraint.
        const length = Math.max(2, constrained.tokenCount);
        const plain = await model.generate("Once upon a time", { ...options, maxNewTokens: length, minNewTokens: length });
        if (round === 0) firstRound.push(1 - constrained.tokensPerSecond / plain.tokensPerSecond);
        constrainedBest = Math.max(constrainedBest, constrained.tokensPerSecond);
        plainBest = Math.max(plainBest, plain.tokensPerSecond);
      }
      shares.push(1 - constrainedBest / plainBest);
      plainStepMs.push(1000 / plainBest);
      const { tokens } = await model.generate("Once upon a time", { ...options, responseFormat: format });
      const timings: number[] = [];
      for (let round = 0; round < ROUNDS; round++) timings.push(await replay.msPerToken(tokens));
      replayMs.push(Math.min(...timings));
    }
    await replay.dispose();
    return {
      maskShareOfStepTime: goal(round(median(shares)), "≤", 0.1),
      maskShareFirstRound: round(median(firstRound)),
      maskShareReplayed: goal(round(median(replayMs) / median(plainStepMs)), "≤", 0.1),
      maskMsPerTokenReplayed: round(median(replayMs)),
      plainStepMs: round(median(plainStepMs)),
      compileColdMs: round(cold.totalMs - free.totalMs),
      compileCachedMs: round(cached.totalMs - free.totalMs),
      evaluation: await evaluateSchemas(model),
    };
  } finally {
    await model.dispose();
  }
}

export const structuredSection: BenchSection = {
  name: "structured",
  async run() {
    const figures: Record<string, unknown> = {};
    for (const [name, dir] of Object.entries(MODELS)) {
      figures[name] = existsSync(dir) ? await measure(dir) : { skipped: `${dir} absent` };
    }
    return figures;
  },
};
