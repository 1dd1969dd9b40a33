/**
 * Where an img2img or inpainting run starts: the init image in model space (pixels, or VAE
 * latents), noised to the first timestep it visits, and for inpainting the unet's extra channels.
 * Streams: the init image's VAE sample draws from the run's rng.fork(1), the masked image's from
 * fork(2), so the starting noise (drawn first from the seed) does not depend on img2img.
 */
import { RiffError, type AnyScheduler, type Rng } from "@riff/core";
import { inpaintChannels } from "./inpaint.js";
import type { ModelKind } from "./model-files.js";
import { loadImage } from "./png.js";
import { imageToSample, type SampleRange } from "./raster.js";
import type { ResolvedOptions } from "./run-plan.js";
import type { VaeEncoder } from "./vae.js";

/** The pipeline's side of an image start. */
export interface ImageModel {
  readonly name: string;
  readonly kind: ModelKind;
  /** Pixel models' value range; latent models take [-1, 1]. */
  readonly sampleRange: SampleRange;
  readonly vaeEncoder: VaeEncoder | undefined;
}

export interface ImageStart {
  /** The timesteps the run visits: the last ⌊steps · strength⌋ of the schedule. */
  readonly timesteps: Float64Array;
  /** The noised init image; undefined when the run starts from noise alone (inpainting at strength 1, diffusers' is_strength_max). */
  readonly sample: Float32Array | undefined;
  /** Inpainting's extra unet channels (mask ⊕ masked-image latents). */
  readonly extra: { readonly data: Float32Array; readonly channels: number } | undefined;
}

export async function imageStart(
  model: ImageModel,
  r: ResolvedOptions & { readonly initImage: NonNullable<ResolvedOptions["initImage"]>; readonly strength: number },
  run: { readonly scheduler: AnyScheduler; readonly dims: readonly [number, number, number, number]; readonly noise: Float32Array; readonly rng: Rng },
  warnings: string[],
): Promise<ImageStart> {
  const { scheduler, dims, noise, rng } = run;
  if (model.kind === "latent" && model.vaeEncoder?.samplesInGraph) {
    warnings.push(`${model.name}'s vae_encoder draws its own noise (RandomNormalLike, as diffusers' legacy ONNX export writes it): the seed does not fix this image`);
  }
  const initSteps = Math.min(Math.floor(r.steps * r.strength), r.steps);
  const timesteps = scheduler.timesteps.slice(r.steps - initSteps);
  const pixels = await initPixels(model, r, dims[1]);
  const fromNoise = r.mask !== undefined && r.strength === 1;
  const sample = fromNoise ? undefined : scheduler.addNoise(await initSample(model, pixels, r, dims, rng.fork(1)), noise, timesteps[0]!);
  let extra: ImageStart["extra"];
  if (r.mask !== undefined) {
    const mask = await loadImage(r.mask, { width: r.width, height: r.height, channels: 1 }, "mask");
    extra = await inpaintChannels({ encoder: model.vaeEncoder!, pixels, mask, dims, rng: rng.fork(2) });
  }
  return { timesteps, sample, extra };
}

/** The init image as one sample [c, H, W] in the model's pixel range ([-1, 1] for latent models). */
async function initPixels(model: ImageModel, r: ResolvedOptions, c: number): Promise<Float32Array> {
  const channels = model.kind === "latent" ? 3 : c;
  if (channels !== 1 && channels !== 3) throw new RiffError(`initImage: ${model.name} works on ${channels}-channel samples, not images`, "initImage");
  const image = await loadImage(r.initImage!, { width: r.width, height: r.height, channels }, "initImage");
  return imageToSample(image, model.kind === "latent" ? [-1, 1] : model.sampleRange);
}

/** The init image in model space (pixels, or VAE latents), repeated for each image of the batch. */
async function initSample(model: ImageModel, pixels: Float32Array, r: ResolvedOptions, dims: readonly [number, number, number, number], rng: Rng): Promise<Float32Array> {
  const [n, c] = dims;
  if (model.kind !== "latent") return repeat(pixels, n);
  const latents = await model.vaeEncoder!.encode(pixels, [1, 3, r.height, r.width], c, rng);
  return repeat(latents.data, n);
}

function repeat(item: Float32Array, n: number): Float32Array {
  const out = new Float32Array(item.length * n);
  for (let i = 0; i < n; i++) out.set(item, i * item.length);
  return out;
}
