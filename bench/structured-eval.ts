/**
 * The structured section's evaluation (issue 12's proof, at the size the tests cannot afford): per
 * model, five JSON Schemas × 100 seeds sampled at temperature 1, with the schema as responseFormat
 * and without. Constrained: how many runs finished (ended on EOS within the token budget) and how
 * many finished outputs parse with JSON.parse and validate with ajv (goal: all). Unconstrained: how
 * many parse at all (expected: none or nearly).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Ajv } from "ajv";
import type { TextModel } from "@riff/text";
import { goal, round } from "./section.js";

const SEEDS = 100;
const PROMPT = "Once upon a time";
/** Enough for every schema below to close in most runs. */
const MAX_NEW_TOKENS = 96;

/** Nested objects, arrays with min/max items, enums, numbers with ranges, required and optional fields, string patterns (shared with the structured tests). */
export const EVAL_SCHEMAS = JSON.parse(
  readFileSync(fileURLToPath(new URL("../packages/text/test/fixtures/json-schemas.json", import.meta.url)), "utf8"),
) as Record<string, Record<string, unknown>>;

function parse(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}

export async function evaluateSchemas(model: TextModel): Promise<Record<string, unknown>> {
  const ajv = new Ajv({ strict: true });
  const perSchema: Record<string, unknown> = {};
  let runs = 0;
  let finished = 0;
  let valid = 0;
  let freeParsed = 0;
  for (const [name, schema] of Object.entries(EVAL_SCHEMAS)) {
    const validate = ajv.compile(schema);
    let schemaFinished = 0;
    let schemaValid = 0;
    let schemaFree = 0;
    for (let seed = 0; seed < SEEDS; seed++) {
      const options = { temperature: 1, seed, maxNewTokens: MAX_NEW_TOKENS };
      const constrained = await model.generate(PROMPT, { ...options, responseFormat: { type: "json_schema", schema } });
      if (constrained.incomplete !== true) {
        schemaFinished++;
        const parsed = parse(constrained.text);
        if (parsed !== undefined && validate(parsed.value)) schemaValid++;
      }
      if (parse((await model.generate(PROMPT, options)).text) !== undefined) schemaFree++;
    }
    perSchema[name] = { finished: schemaFinished, valid: schemaValid, unconstrainedParsed: schemaFree, seeds: SEEDS };
    runs += SEEDS;
    finished += schemaFinished;
    valid += schemaValid;
    freeParsed += schemaFree;
    console.error(`[bench] structured eval ${name}: ${schemaValid}/${schemaFinished} finished valid, unconstrained parsed ${schemaFree}/${SEEDS}`);
  }
  return {
    runs,
    finishedRate: round(finished / runs),
    constrainedValidRate: goal(round(finished === 0 ? 0 : valid / finished), "≥", 1),
    unconstrainedParseRate: round(freeParsed / runs),
    perSchema,
  };
}
