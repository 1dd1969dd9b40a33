import { LogitBiasProcessor } from "./logit-bias.js";
import { MinNewTokensProcessor } from "./min-new-tokens.js";
import { MinPProcessor } from "./min-p.js";
import { NoRepeatNgramProcessor } from "./no-repeat-ngram.js";
import { checkSamplingOptions, isGreedy, type SamplingOptions } from "./options.js";
import { PresenceFrequencyPenaltyProcessor } from "./presence-frequency-penalty.js";
import type { LogitsProcessor } from "./processor.js";
import { RepetitionPenaltyProcessor } from "./repetition-penalty.js";
import { TemperatureProcessor } from "./temperature.js";
import { TopKProcessor } from "./top-k.js";
import { TopPProcessor } from "./top-p.js";
import { TypicalPProcessor } from "./typical-p.js";

/**
 * The logits pipeline for a set of options, in this fixed order (HF generate's order, with the
 * OpenAI options slotted among the penalties):
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
 * topK 0, topP 1, minP 0, typicalP 1, penalties 1 or 0) are left out. Every option is validated
 * first, including the ones left out, so a bad value never passes silently.
 */
export function createLogitsProcessors(options: Readonly<SamplingOptions>): LogitsProcessor[] {
  checkSamplingOptions(options);
  const processors: LogitsProcessor[] = [];
  const bias = options.logitBias;
  if (bias !== undefined && (bias instanceof Map ? bias.size > 0 : Object.keys(bias).length > 0)) {
    processors.push(new LogitBiasProcessor(bias));
  }
  if (options.repetitionPenalty !== undefined && options.repetitionPenalty !== 1) {
    processors.push(new RepetitionPenaltyProcessor(options.repetitionPenalty));
  }
  if ((options.presencePenalty ?? 0) !== 0 || (options.frequencyPenalty ?? 0) !== 0) {
    processors.push(
      new PresenceFrequencyPenaltyProcessor({
        presencePenalty: options.presencePenalty,
        frequencyPenalty: options.frequencyPenalty,
      }),
    );
  }
  if ((options.noRepeatNgramSize ?? 0) > 0) processors.push(new NoRepeatNgramProcessor(options.noRepeatNgramSize!));
  if ((options.minNewTokens ?? 0) > 0) {
    processors.push(new MinNewTokensProcessor(options.minNewTokens!, options.eosTokenIds ?? []));
  }
  if (isGreedy(options)) return processors;
  if (options.temperature !== undefined && options.temperature !== 1) {
    processors.push(new TemperatureProcessor(options.temperature));
  }
  if ((options.topK ?? 0) > 0) processors.push(new TopKProcessor(options.topK!));
  if (options.topP !== undefined && options.topP < 1) processors.push(new TopPProcessor(options.topP));
  if ((options.minP ?? 0) > 0) processors.push(new MinPProcessor(options.minP!));
  if (options.typicalP !== undefined && options.typicalP < 1) processors.push(new TypicalPProcessor(options.typicalP));
  return processors;
}
