import { existsSync, statSync } from "node:fs";
import { basename, resolve } from "node:path";
import { RiffError, folderFile, readJsonObject } from "@riff/core";

/**
 * What kind of diffusion model a folder holds, from the components present:
 * - "pixel": unet (+ scheduler) only — an unconditional pixel-space DDPM (diffusers DDPMPipeline).
 * - "pixel-text": tokenizer + text_encoder + unet, no VAE — riff's RiffPixelDiffusionPipeline.
 * - "latent": + vae_decoder — the ONNX Stable Diffusion layout (diffusers/optimum export).
 */
export type ModelKind = "pixel" | "pixel-text" | "latent";

export type JsonObject = Record<string, unknown>;

export interface ModelFiles {
  readonly dir: string;
  /** The folder's name, used as "Model:" in the PNG parameters. */
  readonly name: string;
  readonly kind: ModelKind;
  readonly className: string | undefined;
  readonly scheduler: JsonObject;
  readonly unet: { readonly path: string; readonly config: JsonObject };
  readonly textEncoder?: { readonly path: string; readonly config: JsonObject };
  readonly tokenizerDir?: string;
  readonly vaeDecoder?: { readonly path: string; readonly config: JsonObject };
  readonly vaeEncoder?: { readonly path: string; readonly config: JsonObject };
}

/** A JSON object from the model folder; garbage is a RiffError naming the file, never quoting it. */
export function readJson(path: string, what: string): JsonObject {
  return readJsonObject(path, what, "model");
}

function optionalJson(path: string, what: string): JsonObject {
  return existsSync(path) ? readJson(path, what) : {};
}

function component(dir: string, name: string): { path: string; config: JsonObject } | undefined {
  const path = folderFile(dir, `${name}/model.onnx`);
  if (!existsSync(path)) return undefined;
  return { path, config: optionalJson(folderFile(dir, `${name}/config.json`), `${name} config`) };
}

/** Inspects a model folder; RiffErrors (naming --model) for anything missing. Reads no ONNX. */
export function inspectModel(dirInput: string, option = "model"): ModelFiles {
  const dir = resolve(dirInput);
  if (!existsSync(dir)) throw new RiffError(`${option}: no such folder: ${dirInput}`, option);
  if (!statSync(dir).isDirectory()) throw new RiffError(`${option}: not a folder: ${dirInput}`, option);
  const unet = component(dir, "unet");
  if (!unet) {
    throw new RiffError(`${option}: ${dirInput} has no unet/model.onnx, so it is not a diffusion model folder`, option);
  }
  const index = optionalJson(folderFile(dir, "model_index.json"), "model index");
  const schedulerPath = folderFile(dir, "scheduler/scheduler_config.json");
  if (!existsSync(schedulerPath)) {
    throw new RiffError(`${option}: ${dirInput} has no scheduler/scheduler_config.json`, option);
  }
  const scheduler = readJson(schedulerPath, "scheduler config");
  const textEncoder = component(dir, "text_encoder");
  const vaeDecoder = component(dir, "vae_decoder");
  const vaeEncoder = component(dir, "vae_encoder");
  // optimum writes each VAE half's config.json; diffusers folders may keep a single vae/config.json.
  const vaeShared = optionalJson(folderFile(dir, "vae/config.json"), "vae config");
  const withVae = <T extends { path: string; config: JsonObject }>(c: T | undefined): T | undefined =>
    c && Object.keys(c.config).length === 0 ? { ...c, config: vaeShared } : c;
  const tokenizerDir = folderFile(dir, "tokenizer");
  if (textEncoder && !existsSync(tokenizerDir)) {
    throw new RiffError(`${option}: ${dirInput} has a text_encoder but no tokenizer/ folder`, option);
  }
  if (!textEncoder && vaeDecoder) {
    throw new RiffError(`${option}: ${dirInput} has a vae_decoder but no text_encoder; unconditional latent models are not supported`, option);
  }
  const kind: ModelKind = vaeDecoder ? "latent" : textEncoder ? "pixel-text" : "pixel";
  const className = typeof index._class_name === "string" ? index._class_name : undefined;
  return {
    dir,
    name: basename(dir),
    kind,
    className,
    scheduler,
    unet,
    ...(textEncoder ? { textEncoder, tokenizerDir } : {}),
    ...(vaeDecoder ? { vaeDecoder: withVae(vaeDecoder)! } : {}),
    ...(vaeEncoder ? { vaeEncoder: withVae(vaeEncoder)! } : {}),
  };
}

/** A numeric config value, or `fallback` when absent or null. */
export function configNumber(config: JsonObject, key: string, fallback: number): number {
  const value = config[key];
  return typeof value === "number" && Number.isFinite(value) ? value : fallback;
}
