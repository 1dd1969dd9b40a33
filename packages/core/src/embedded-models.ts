/**
 * Where the embedded default models live and which one each modality uses, in one place shared by
 * the CLI, the server and library callers that want "the default model".
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { optionError } from "./errors.js";

export type Modality = "text" | "image" | "speech";

/** The repository's models/ folder (riff runs from its checkout: packages/core/{src,dist}/). */
export const embeddedModelsRoot = resolve(fileURLToPath(new URL("../../../models", import.meta.url)));

/** Each modality's embedded default model, a folder name under models/. */
export const EMBEDDED_MODELS: Readonly<Record<Modality, string>> = Object.freeze({
  text: "kjv-llama",
  image: "shapes-diffusion",
  speech: "slt-voice",
});

export interface EmbeddedModel {
  readonly modality: Modality;
  readonly name: string;
  readonly path: string;
  readonly present: boolean;
}

export function embeddedModels(): EmbeddedModel[] {
  return (Object.entries(EMBEDDED_MODELS) as Array<[Modality, string]>).map(([modality, name]) => {
    const path = join(embeddedModelsRoot, name);
    return { modality, name, path, present: existsSync(path) };
  });
}

/**
 * The folder to load: `given` when there is one, else the modality's embedded default. A missing
 * default is a RiffError naming `option` (the key the caller passes a folder under).
 */
export function resolveModelDir(modality: Modality, given: string | undefined, option = "model"): string {
  if (given !== undefined) return given;
  const path = join(embeddedModelsRoot, EMBEDDED_MODELS[modality]);
  if (!existsSync(path)) throw optionError(option, `the default ${modality} model is missing (${path}); pass {${option}} with a model folder`);
  return path;
}
