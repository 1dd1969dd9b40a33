import { checkNumber } from "../errors.js";
import type { LogitsProcessor } from "./processor.js";

/**
 * Divides every logit by `temperature` (Ackley, Hinton & Sejnowski 1985; HF TemperatureLogitsWarper):
 * below 1 sharpens the distribution, above 1 flattens it.
 *
 * Temperature 0 is not accepted here: its limit is argmax, which is a different sampler (greedy),
 * not a division. {@link createLogitsProcessors} treats temperature 0 as greedy decoding and
 * {@link isGreedy} tells the caller to use {@link greedy} instead of {@link sampleCategorical}.
 */
export class TemperatureProcessor implements LogitsProcessor {
  readonly name = "temperature";
  readonly temperature: number;

  constructor(temperature: number) {
    this.temperature = checkNumber("temperature", temperature, { min: 0, minExclusive: true });
  }

  process(logits: Float32Array): void {
    const t = this.temperature;
    if (t === 1) return;
    // Divide rather than multiply by 1/t so the values match HF's `scores / temperature` bit for bit.
    for (let i = 0; i < logits.length; i++) logits[i] = logits[i]! / t;
  }
}
