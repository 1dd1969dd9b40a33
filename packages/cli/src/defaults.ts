import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join, resolve } from "node:path";

/** The repository's models/ folder (the CLI ships inside the repo: packages/cli/{src,dist}/). */
export const modelsRoot = resolve(fileURLToPath(new URL("../../../models", import.meta.url)));

export interface DefaultModel {
  readonly modality: "text" | "image" | "speech";
  readonly name: string;
  readonly path: string;
  readonly present: boolean;
}

const DEFAULTS: readonly { modality: DefaultModel["modality"]; name: string }[] = [
  { modality: "text", name: "kjv-llama" },
  { modality: "image", name: "shapes-diffusion" },
  { modality: "speech", name: "slt-voice" },
];

export function defaultModels(): DefaultModel[] {
  return DEFAULTS.map(({ modality, name }) => {
    const path = join(modelsRoot, name);
    return { modality, name, path, present: existsSync(path) };
  });
}

export function defaultModelPath(modality: DefaultModel["modality"]): string {
  const model = defaultModels().find((m) => m.modality === modality);
  if (!model) throw new Error(`no default ${modality} model`);
  return model.path;
}
