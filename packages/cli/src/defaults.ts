/** The embedded default models as the CLI lists them (`riff models`); resolution lives in @riff/core. */
export { embeddedModels as defaultModels, embeddedModelsRoot as modelsRoot, type EmbeddedModel as DefaultModel } from "@riff/core";
import { resolveModelDir, type Modality } from "@riff/core";

/** The embedded default model of a modality (a RiffError naming --model when it is missing). */
export function defaultModelPath(modality: Modality): string {
  return resolveModelDir(modality, undefined, "--model");
}
