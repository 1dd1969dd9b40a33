import { RiffError, checkNumber } from "../errors.js";
import type { LogitsProcessor } from "./processor.js";

/** Token id → bias, as a plain object (JSON-style, keys are decimal ids) or a Map. */
export type LogitBias = Readonly<Record<number, number>> | ReadonlyMap<number, number>;

/**
 * Adds a fixed bias to chosen tokens' logits (OpenAI `logit_bias`): values in [−100, 100], where
 * ±100 effectively bans or forces a token and small values nudge it. Ids must be integers ≥ 0;
 * an id beyond the model's vocabulary is reported when the first logits arrive (the vocabulary
 * size is unknown before that).
 */
export class LogitBiasProcessor implements LogitsProcessor {
  readonly name = "logit_bias";
  readonly ids: Int32Array;
  readonly biases: Float64Array;

  constructor(bias: LogitBias) {
    const entries = normalizeLogitBias(bias);
    this.ids = Int32Array.from(entries, ([id]) => id);
    this.biases = Float64Array.from(entries, ([, value]) => value);
  }

  process(logits: Float32Array): void {
    for (let i = 0; i < this.ids.length; i++) {
      const id = this.ids[i]!;
      if (id >= logits.length) {
        throw new RiffError(
          `logit_bias token id ${id} is outside the vocabulary (ids 0 to ${logits.length - 1})`,
          "logit_bias",
        );
      }
      logits[id] = logits[id]! + this.biases[i]!;
    }
  }
}

/** Validated [id, bias] pairs; throws RiffError naming logit_bias for a bad id or value. */
export function normalizeLogitBias(bias: LogitBias): Array<[number, number]> {
  const raw: Array<[string | number, unknown]> =
    bias instanceof Map ? [...(bias as ReadonlyMap<number, number>).entries()] : Object.entries(bias);
  return raw.map(([key, value]) => {
    const id = typeof key === "number" ? key : /^\d+$/.test(key) ? Number(key) : Number.NaN;
    if (!Number.isSafeInteger(id) || id < 0 || id > 0x7fffffff) {
      throw new RiffError(`logit_bias keys must be token ids (integers ≥ 0), got ${JSON.stringify(key)}`, "logit_bias");
    }
    return [id, checkNumber(`logit_bias[${id}]`, value as number, { min: -100, max: 100 })];
  });
}
