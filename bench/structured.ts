/**
 * The `structured` bench section: what responseFormat costs. Per model (the embedded kjv-llama and,
 * where ../shared has it, stories260K): decoding speed with a JSON Schema against the same runs
 * without (the mask's share of the step time; goal ≤ 10%), and the compile time of a schema, cold
 * (first use on a fresh model, engine start included) and cached.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadTextModel } from "@riff/text";
import { goal, median, round, type BenchSection } from "./section.js";

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

async function measure(dir: string): Promise<Record<string, unknown>> {
  const model = await loadTextModel(dir);
  try {
    const format = { type: "json_schema", schema: SCHEMA } as const;
    const free = await model.generate("Once upon a time", { maxNewTokens: 1 });
    const cold = await model.generate("Once upon a time", { maxNewTokens: 1, responseFormat: format });
    const cached = await model.generate("Once upon a time", { maxNewTokens: 1, responseFormat: format });
    const shares: number[] = [];
    for (let seed = 0; seed < SEEDS; seed++) {
      const options = { temperature: 1, seed, maxNewTokens: 64 };
      const constrained = await model.generate("Once upon a time", { ...options, responseFormat: format });
      // The same number of tokens without the constraint.
      const plain = await model.generate("Once upon a time", { ...options, maxNewTokens: Math.max(2, constrained.tokenCount), minNewTokens: Math.max(2, constrained.tokenCount) });
      shares.push(1 - constrained.tokensPerSecond / plain.tokensPerSecond);
    }
    return {
      maskShareOfStepTime: goal(round(median(shares)), "≤", 0.1),
      compileColdMs: round(cold.totalMs - free.totalMs),
      compileCachedMs: round(cached.totalMs - free.totalMs),
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
