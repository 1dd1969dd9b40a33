/**
 * The one table of logits processors, in the order the chain applies them. A new processor is one
 * file plus one row here; {@link createLogitsProcessors} builds the chain from this table.
 */
import { LogitBiasProcessor } from "./logit-bias.js";
import { MinNewTokensProcessor } from "./min-new-tokens.js";
import { MinPProcessor } from "./min-p.js";
import { NoRepeatNgramProcessor } from "./no-repeat-ngram.js";
import type { SamplingOptions } from "./options.js";
import { PresenceFrequencyPenaltyProcessor } from "./presence-frequency-penalty.js";
import type { LogitsProcessor } from "./processor.js";
import { RepetitionPenaltyProcessor } from "./repetition-penalty.js";
import { TemperatureProcessor } from "./temperature.js";
import { TopKProcessor } from "./top-k.js";
import { TopPProcessor } from "./top-p.js";
import { TypicalPProcessor } from "./typical-p.js";

/** One row of {@link LOGITS_PROCESSORS}. */
export interface LogitsProcessorEntry {
  /** The `name` the processor reports: the option it implements. */
  readonly name: string;
  /** The generation_config.json / OpenAI request keys it consumes. */
  readonly keys: readonly string[];
  /**
   * "penalty": always in the chain; "warper": only when sampling, i.e. not {@link isGreedy}
   * (doSample false or temperature 0), exactly as HF adds its warpers only under do_sample.
   */
  readonly stage: "penalty" | "warper";
  /** Whether the options switch it on: false where it would be the identity (temperature 1, top_k 0…). */
  readonly active: (options: Readonly<SamplingOptions>) => boolean;
  /** The processor for options it is active for. */
  readonly create: (options: Readonly<SamplingOptions>) => LogitsProcessor;
}

/**
 * The processors in chain order (HF generate's order, with the OpenAI options slotted among the
 * penalties):
 *
 * 1. logit_bias                    (HF applies its sequence_bias first too)
 * 2. repetition_penalty
 * 3. presence/frequency_penalty
 * 4. no_repeat_ngram_size          (bans)
 * 5. min_new_tokens                (EOS ban)
 * 6. temperature                   ┐
 * 7. top_k                         │ the "warpers": only when sampling, i.e. not
 * 8. top_p                         │ {@link isGreedy} (doSample false or temperature 0),
 * 9. min_p                         │ exactly as HF adds them only under do_sample
 * 10. typical_p                    ┘
 *
 * Penalties come before temperature so that they are scaled by it like the model's own logits, and
 * the filters see the tempered distribution. Processors that would be identities (temperature 1,
 * topK 0, topP 1, minP 0, typicalP 1, penalties 1 or 0) are left out.
 */
export const LOGITS_PROCESSORS: readonly LogitsProcessorEntry[] = [
  {
    name: "logit_bias",
    keys: ["logit_bias"],
    stage: "penalty",
    active: ({ logitBias: b }) => b !== undefined && (b instanceof Map ? b.size > 0 : Object.keys(b).length > 0),
    create: (o) => new LogitBiasProcessor(o.logitBias!),
  },
  {
    name: "repetition_penalty",
    keys: ["repetition_penalty"],
    stage: "penalty",
    active: (o) => o.repetitionPenalty !== undefined && o.repetitionPenalty !== 1,
    create: (o) => new RepetitionPenaltyProcessor(o.repetitionPenalty!),
  },
  {
    name: "presence_frequency_penalty",
    keys: ["presence_penalty", "frequency_penalty"],
    stage: "penalty",
    active: (o) => (o.presencePenalty ?? 0) !== 0 || (o.frequencyPenalty ?? 0) !== 0,
    create: (o) => new PresenceFrequencyPenaltyProcessor({ presencePenalty: o.presencePenalty, frequencyPenalty: o.frequencyPenalty }),
  },
  {
    name: "no_repeat_ngram_size",
    keys: ["no_repeat_ngram_size"],
    stage: "penalty",
    active: (o) => (o.noRepeatNgramSize ?? 0) > 0,
    create: (o) => new NoRepeatNgramProcessor(o.noRepeatNgramSize!),
  },
  {
    name: "min_new_tokens",
    keys: ["min_new_tokens", "eos_token_id"],
    stage: "penalty",
    active: (o) => (o.minNewTokens ?? 0) > 0,
    create: (o) => new MinNewTokensProcessor(o.minNewTokens!, o.eosTokenIds ?? []),
  },
  {
    name: "temperature",
    keys: ["temperature"],
    stage: "warper",
    active: (o) => o.temperature !== undefined && o.temperature !== 1,
    create: (o) => new TemperatureProcessor(o.temperature!),
  },
  {
    name: "top_k",
    keys: ["top_k"],
    stage: "warper",
    active: (o) => (o.topK ?? 0) > 0,
    create: (o) => new TopKProcessor(o.topK!),
  },
  {
    name: "top_p",
    keys: ["top_p"],
    stage: "warper",
    active: (o) => o.topP !== undefined && o.topP < 1,
    create: (o) => new TopPProcessor(o.topP!),
  },
  {
    name: "min_p",
    keys: ["min_p"],
    stage: "warper",
    active: (o) => (o.minP ?? 0) > 0,
    create: (o) => new MinPProcessor(o.minP!),
  },
  {
    name: "typical_p",
    keys: ["typical_p"],
    stage: "warper",
    active: (o) => o.typicalP !== undefined && o.typicalP < 1,
    create: (o) => new TypicalPProcessor(o.typicalP!),
  },
];
