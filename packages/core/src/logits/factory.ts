import { checkSamplingOptions, isGreedy, type SamplingOptions } from "./options.js";
import type { LogitsProcessor } from "./processor.js";
import { LOGITS_PROCESSORS } from "./registry.js";

/**
 * The logits pipeline for a set of options: the active rows of {@link LOGITS_PROCESSORS}, in the
 * table's fixed order (documented there: HF generate's order, penalties before temperature, the
 * warpers only when sampling). Processors that would be identities are left out. Every option is
 * validated first, including the ones left out, so a bad value never passes silently.
 */
export function createLogitsProcessors(options: Readonly<SamplingOptions>): LogitsProcessor[] {
  checkSamplingOptions(options);
  const sampling = !isGreedy(options);
  return LOGITS_PROCESSORS.filter((p) => (p.stage === "penalty" || sampling) && p.active(options)).map((p) => p.create(options));
}
