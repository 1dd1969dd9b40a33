import { RiffError, Rng, drain, optionError, runSteps, type Tensor } from "@riff/core";
import { denoiseModel, type DenoiseState } from "./denoise.js";
import { inspectModel, type ModelFiles, type ModelKind } from "./model-files.js";
import type { LoadOptions } from "./onnx-component.js";
import { MAX_PIXELS, checkGenerateOptions, imageLoadOptionsSchema, type GenerateOptions } from "./options.js";
import { samplerLabel, type GenerationParameters } from "./parameters.js";
import { loadImage } from "./png.js";
import { inpaintChannels } from "./inpaint.js";
import { imageToSample, samplesToImages, type RasterImage, type SampleRange } from "./raster.js";
import { chooseScheduler, defaultSteps, type SchedulerTuning } from "./scheduler-choice.js";
import { PromptEncoder } from "./text-encoder.js";
import { loadPromptTokenizer, tokenizerMaxLength, type PromptTokenizer } from "./tokenizer.js";
import { LEGACY_LATENT_CHANNELS, UNet } from "./unet.js";
import { VaeDecoder, VaeEncoder, vaeLatentChannels, vaeScaleFactor } from "./vae.js";

/** One denoising step done: step `step` of `totalSteps` (1-based). */
export interface DenoiseProgress {
  readonly step: number;
  readonly totalSteps: number;
  /** The timestep just visited (training units). */
  readonly timestep: number;
  /** Wall time of the whole step: unet, guidance and scheduler. */
  readonly stepMs: number;
  /** The unet call's own share of stepMs; stepMs − unetMs is the guidance and scheduler overhead. */
  readonly unetMs: number;
}

export interface GenerationTimings {
  /** Tokenizing and text encoding (and VAE encoding for img2img). */
  readonly encodeMs: number;
  readonly denoiseMs: number;
  /** Summed over the denoising steps: the unet calls' own time, and each whole step's time (unet, guidance, scheduler). */
  readonly unetMs: number;
  readonly stepMs: number;
  /** VAE decoding and conversion to 8-bit. */
  readonly decodeMs: number;
  readonly totalMs: number;
  /** Denoising steps per second (each step runs the whole batch). */
  readonly stepsPerSecond: number;
}

export interface GenerationResult {
  readonly images: RasterImage[];
  /** The settings used, for the PNG "parameters" chunk (see formatParameters). */
  readonly parameters: GenerationParameters;
  /** The scheduler's diffusers class. */
  readonly scheduler: string;
  /** Denoising steps actually run (fewer than `parameters.steps` for img2img). */
  readonly denoisingSteps: number;
  readonly timings: GenerationTimings;
  /** Things the caller should tell the user (ignored prompt, truncated prompt). */
  readonly warnings: string[];
}

/** Options after defaults, checked against the model. */
export interface ResolvedOptions {
  readonly prompt: string;
  readonly negativePrompt: string;
  readonly steps: number;
  readonly schedulerName: string | undefined;
  /** The run's changes to the model's scheduler_config (Karras sigmas, timestep spacing, prediction type). */
  readonly tuning: SchedulerTuning;
  /** undefined for unconditional models. */
  readonly guidanceScale: number | undefined;
  readonly seed: number;
  readonly width: number;
  readonly height: number;
  readonly numImages: number;
  readonly initImage: GenerateOptions["initImage"];
  /** Inpainting: white = repaint. */
  readonly mask: GenerateOptions["mask"];
  readonly strength: number | undefined;
}

/**
 * A diffusion model folder, loaded: pixel-space (unconditional or text-conditioned) or latent
 * (ONNX Stable Diffusion). Runs text encoding → denoising on core's step loop → decoding.
 */
export class DiffusionPipeline implements AsyncDisposable {
  /** Aborted by dispose(): a run in progress stops at its next step and rejects with a RiffError. */
  private readonly disposing = new AbortController();

  private constructor(
    readonly files: ModelFiles,
    private readonly unet: UNet,
    private readonly tokenizer: PromptTokenizer | undefined,
    private readonly textEncoder: PromptEncoder | undefined,
    private readonly vaeDecoder: VaeDecoder | undefined,
    private readonly vaeEncoder: VaeEncoder | undefined,
  ) {}

  /** Loads a model folder. RiffErrors name `model` for folder problems. */
  static async load(dir: string, given: LoadOptions = {}): Promise<DiffusionPipeline> {
    if (typeof dir !== "string" || dir === "") throw new RiffError("DiffusionPipeline.load needs the model folder's path", "dir");
    const options = imageLoadOptionsSchema.parse(given, "library");
    const files = inspectModel(dir);
    const opened: { dispose(): Promise<void> }[] = [];
    try {
      // Legacy ONNX folders (OnnxStableDiffusionPipeline) give no channel count: diffusers uses 4 latents.
      const unet = await UNet.load(files.unet.path, files.unet.config, options, files.kind === "latent" ? LEGACY_LATENT_CHANNELS : undefined);
      opened.push(unet);
      let tokenizer: PromptTokenizer | undefined;
      let textEncoder: PromptEncoder | undefined;
      if (files.textEncoder && files.tokenizerDir) {
        textEncoder = await PromptEncoder.load(files.textEncoder.path, files.textEncoder.config, options, tokenizerMaxLength(files.tokenizerDir) ?? 77);
        opened.push(textEncoder);
        tokenizer = loadPromptTokenizer(files.tokenizerDir, textEncoder.length);
        if (!unet.conditioned) throw new RiffError(`${files.unet.path}: the model has a text encoder but the unet takes no encoder_hidden_states`);
      } else if (unet.conditioned) {
        throw new RiffError(`${files.dir}: the unet needs encoder_hidden_states but the folder has no text_encoder/`, "model");
      }
      let vaeDecoder: VaeDecoder | undefined;
      let vaeEncoder: VaeEncoder | undefined;
      if (files.vaeDecoder) {
        vaeDecoder = await VaeDecoder.load(files.vaeDecoder.path, files.vaeDecoder.config, options);
        opened.push(vaeDecoder);
      }
      if (files.vaeEncoder) {
        vaeEncoder = await VaeEncoder.load(files.vaeEncoder.path, files.vaeEncoder.config, options);
        opened.push(vaeEncoder);
      }
      return new DiffusionPipeline(files, unet, tokenizer, textEncoder, vaeDecoder, vaeEncoder);
    } catch (error) {
      for (const o of opened) await o.dispose();
      throw error;
    }
  }

  get kind(): ModelKind {
    return this.files.kind;
  }

  get name(): string {
    return this.files.name;
  }

  /** Pixels per unet cell: the VAE factor (8 for SD) for latent models, 1 for pixel models. */
  get scaleFactor(): number {
    return this.files.vaeDecoder ? vaeScaleFactor(this.files.vaeDecoder.config) : 1;
  }

  /** The value range of the model's pixels (unet/config.json sample_range for pixel models). */
  get sampleRange(): SampleRange {
    if (this.kind === "latent") return [-1, 1];
    const r = this.files.unet.config.sample_range;
    if (Array.isArray(r) && r.length === 2 && typeof r[0] === "number" && typeof r[1] === "number" && r[1] > r[0]) return [r[0], r[1]];
    return [-1, 1];
  }

  /**
   * Channels of the denoised latents: the unet's, except for an inpainting unet, which takes
   * latents ⊕ mask ⊕ masked-image latents (2c + 1: 9 for SD) and returns c.
   */
  get latentChannels(): number {
    return this.inpainting ? (this.unet.channels - 1) / 2 : this.unet.channels;
  }

  /** True for an inpainting model: a latent model whose unet takes 2c + 1 channels (c = the VAE's latent_channels, 4 for SD). */
  get inpainting(): boolean {
    if (this.kind !== "latent" || !this.files.vaeDecoder) return false;
    return this.unet.channels === 2 * vaeLatentChannels(this.files.vaeDecoder.config) + 1;
  }

  /** Default image size: the unet's fixed size or sample_size, times the VAE factor. */
  get defaultSize(): { width: number; height: number } {
    const f = this.scaleFactor;
    if (this.unet.fixedSize) return { width: this.unet.fixedSize.width * f, height: this.unet.fixedSize.height * f };
    const s = this.unet.sampleSize ?? (this.kind === "latent" ? 64 : 32);
    return { width: s * f, height: s * f };
  }

  /** Fills defaults and checks every option against this model, without running anything. */
  resolve(given: GenerateOptions = {}): ResolvedOptions {
    const options = checkGenerateOptions(given);
    const conditioned = this.textEncoder !== undefined;
    const tuning = { karras: options.karras, timestepSpacing: options.timestepSpacing, predictionType: options.predictionType };
    if (options.mask !== undefined && !this.inpainting) {
      throw optionError(
        "mask",
        `{mask} needs an inpainting model (a unet taking latents ⊕ mask ⊕ masked-image latents, 9 channels for SD); ${this.name}'s unet takes ${this.unet.channels}`,
      );
    }
    if (this.inpainting && (options.mask === undefined || options.initImage === undefined)) {
      throw optionError("mask", `${this.name} is an inpainting model: give the image ({initImage}) and a {mask} whose white part it repaints`);
    }
    const initStrength = options.initImage === undefined ? undefined : (options.strength ?? (options.mask !== undefined ? 1 : 0.8));
    // Inpainting at strength 1 starts from pure noise (diffusers' is_strength_max), so any scheduler fits.
    const partial = initStrength !== undefined && !(options.mask !== undefined && initStrength === 1);
    const scheduler = chooseScheduler(this.files.scheduler, options.scheduler, tuning, partial);
    const steps = options.steps ?? defaultSteps(scheduler);
    scheduler.setTimesteps(steps); // validates steps against num_train_timesteps
    const size = this.defaultSize;
    const width = options.width ?? size.width;
    const height = options.height ?? size.height;
    const f = this.scaleFactor;
    for (const [option, value, fixed] of [
      ["width", width, this.unet.fixedSize?.width],
      ["height", height, this.unet.fixedSize?.height],
    ] as const) {
      if (value % f !== 0) throw optionError(option, `{${option}} must be a multiple of ${f} for this latent model, got ${value}`);
      if (fixed !== undefined && value !== fixed * f) {
        throw optionError(option, `{${option}} must be ${fixed * f}: ${this.name} makes ${size.width}x${size.height} images only, got ${value}`);
      }
    }
    const pixels = (options.numImages ?? 1) * width * height;
    if (pixels > MAX_PIXELS) throw optionError("numImages", `{numImages} × {width} × {height} is ${pixels} pixels; at most ${MAX_PIXELS} per call`);
    let strength: number | undefined;
    if (options.initImage !== undefined) {
      if (this.kind === "latent" && !this.vaeEncoder) {
        throw optionError("initImage", `{initImage} needs a vae_encoder/, which ${this.name} lacks`);
      }
      strength = initStrength ?? 0.8;
      if (Math.floor(steps * strength) < 1) {
        throw optionError("strength", `{strength} ${strength} with ${steps} {steps} leaves no denoising step; raise {strength} or {steps}`);
      }
    }
    return {
      prompt: options.prompt ?? "",
      negativePrompt: options.negativePrompt ?? "",
      steps,
      schedulerName: options.scheduler,
      tuning,
      guidanceScale: conditioned ? (options.guidanceScale ?? (this.kind === "latent" ? 7.5 : 4)) : undefined,
      seed: options.seed ?? 0,
      width,
      height,
      numImages: options.numImages ?? 1,
      initImage: options.initImage,
      mask: options.mask,
      strength,
    };
  }

  /** Conditioning for the unet: [2n, L, D] (unconditional rows first) with guidance, else [n, L, D]. */
  private async encodePrompts(r: ResolvedOptions, guided: boolean, warnings: string[]): Promise<Tensor | undefined> {
    const tokenizer = this.tokenizer;
    const encoder = this.textEncoder;
    if (!tokenizer || !encoder) {
      if (r.prompt.trim() !== "") warnings.push(`${this.name} is an unconditional model: the prompt is ignored`);
      return undefined;
    }
    const cond = tokenizer.encode(r.prompt);
    if (cond.truncated) warnings.push(`the prompt is longer than ${tokenizer.length} tokens and was truncated`);
    const rows = [];
    if (guided) {
      const uncond = tokenizer.encode(r.negativePrompt);
      if (uncond.truncated) warnings.push(`the negative prompt is longer than ${tokenizer.length} tokens and was truncated`);
      const both = await encoder.encode([uncond, cond]);
      const item = both.data.length / 2;
      for (let i = 0; i < r.numImages; i++) rows.push(both.data.subarray(0, item));
      for (let i = 0; i < r.numImages; i++) rows.push(both.data.subarray(item));
      return stack(rows, both.dims);
    }
    const c = await encoder.encode([cond]);
    for (let i = 0; i < r.numImages; i++) rows.push(c.data);
    return stack(rows, c.dims);
  }

  /** The init image as one sample [c, H, W] in the model's pixel range ([-1, 1] for latent models). */
  private async initPixels(r: ResolvedOptions, c: number): Promise<Float32Array> {
    const channels = this.kind === "latent" ? 3 : c;
    if (channels !== 1 && channels !== 3) throw new RiffError(`initImage: ${this.name} works on ${channels}-channel samples, not images`, "initImage");
    const image = await loadImage(r.initImage!, { width: r.width, height: r.height, channels }, "initImage");
    return imageToSample(image, this.kind === "latent" ? [-1, 1] : this.sampleRange);
  }

  /** img2img: the init image in model space (pixels, or VAE latents), repeated n times. */
  private async initSample(pixels: Float32Array, r: ResolvedOptions, dims: readonly [number, number, number, number], rng: Rng): Promise<Float32Array> {
    const [n, c] = dims;
    if (this.kind !== "latent") return repeat(pixels, n);
    const latents = await this.vaeEncoder!.encode(pixels, [1, 3, r.height, r.width], c, rng);
    return repeat(latents.data, n);
  }

  /**
   * Generates images, yielding one {@link DenoiseProgress} per denoising step; the generator's
   * return value is the result. The same options (seed included) give the same bytes.
   */
  async *generate(options: GenerateOptions = {}): AsyncGenerator<DenoiseProgress, GenerationResult> {
    const start = performance.now();
    checkOptionsObject(options);
    this.checkNotDisposed();
    const r = this.resolve(options);
    const warnings: string[] = [];
    // Inpainting at strength 1 starts from noise alone, as diffusers' is_strength_max.
    const fromNoise = r.mask !== undefined && r.strength === 1;
    const scheduler = chooseScheduler(this.files.scheduler, r.schedulerName, r.tuning, r.initImage !== undefined && !fromNoise);
    scheduler.setTimesteps(r.steps);
    const guided = r.guidanceScale !== undefined && r.guidanceScale > 1;
    const f = this.scaleFactor;
    const dims = [r.numImages, this.latentChannels, r.height / f, r.width / f] as const;
    const size = dims[0] * dims[1] * dims[2] * dims[3];
    const rng = new Rng(r.seed);

    const context = await this.encodePrompts(r, guided, warnings);
    // The starting noise comes first from the seed's stream, so it does not depend on img2img.
    const noise = rng.normalArray(size);
    let timesteps: Float64Array = scheduler.timesteps;
    let sample: Float32Array | undefined;
    let extra: { data: Float32Array; channels: number } | undefined;
    // Streams: the starting noise from the seed, the init image's VAE sample from fork(1), the masked image's from fork(2).
    if (r.initImage !== undefined && r.strength !== undefined) {
      if (this.kind === "latent" && this.vaeEncoder?.samplesInGraph) {
        warnings.push(`${this.name}'s vae_encoder draws its own noise (RandomNormalLike, as diffusers' legacy ONNX export writes it): the seed does not fix this image`);
      }
      const initSteps = Math.min(Math.floor(r.steps * r.strength), r.steps);
      timesteps = timesteps.slice(r.steps - initSteps);
      const pixels = await this.initPixels(r, dims[1]);
      if (!fromNoise) sample = scheduler.addNoise(await this.initSample(pixels, r, dims, rng.fork(1)), noise, timesteps[0]!);
      if (r.mask !== undefined) {
        const mask = await loadImage(r.mask, { width: r.width, height: r.height, channels: 1 }, "mask");
        extra = await inpaintChannels({ encoder: this.vaeEncoder!, pixels, mask, dims, rng: rng.fork(2) });
      }
    }
    if (sample === undefined) {
      const sigma = scheduler.initNoiseSigma;
      sample = sigma === 1 ? noise : noise.map((v) => v * sigma);
    }
    const encoded = performance.now();

    // The unet time of the step in progress; runSteps awaits predict before it yields that step's event.
    let stepUnetMs = 0;
    let unetMs = 0;
    let stepMs = 0;
    const model = denoiseModel({
      unet: this.unet,
      scheduler,
      timesteps,
      dims,
      context,
      extra,
      guidanceScale: guided ? r.guidanceScale : undefined,
      onUnetMs: (ms) => {
        stepUnetMs += ms;
      },
    });
    this.checkNotDisposed();
    const signal = options.signal !== undefined ? AbortSignal.any([options.signal, this.disposing.signal]) : this.disposing.signal;
    const loop = runSteps<DenoiseState, Float32Array, Float32Array>(model, { sample }, { rng, signal });
    let state: DenoiseState = { sample };
    for (;;) {
      const next = await loop.next();
      if (next.done) {
        this.checkNotDisposed();
        if (next.value.stopReason === "aborted") throw new RiffError("image generation was aborted");
        state = next.value.state;
        break;
      }
      const e = next.value;
      unetMs += stepUnetMs;
      stepMs += e.stepMs;
      const progress = { step: e.step + 1, totalSteps: timesteps.length, timestep: timesteps[e.step]!, stepMs: e.stepMs, unetMs: stepUnetMs };
      stepUnetMs = 0;
      yield progress;
    }
    const denoised = performance.now();

    let images: RasterImage[];
    if (this.vaeDecoder) {
      const decoded = await this.vaeDecoder.decode(state.sample, dims);
      images = samplesToImages(decoded.data, decoded.dims, [-1, 1]);
    } else {
      images = samplesToImages(state.sample, dims, this.sampleRange);
    }
    // What the VAE made is what is reported: a VAE whose factor is not the assumed one shows here.
    const made = images[0]!;
    if (made.width !== r.width || made.height !== r.height) {
      warnings.push(`asked for ${r.width}x${r.height} but the VAE decoder made ${made.width}x${made.height} (its scale factor is not ${f})`);
    }
    const end = performance.now();
    const denoiseMs = denoised - encoded;
    return {
      images,
      parameters: {
        prompt: r.prompt,
        negativePrompt: this.textEncoder ? r.negativePrompt : undefined,
        steps: r.steps,
        sampler: samplerLabel(scheduler.className, scheduler.config.use_karras_sigmas === true),
        guidanceScale: r.guidanceScale,
        seed: r.seed,
        width: made.width,
        height: made.height,
        model: this.name,
        strength: r.strength,
      },
      scheduler: scheduler.className,
      denoisingSteps: timesteps.length,
      timings: {
        encodeMs: encoded - start,
        denoiseMs,
        unetMs,
        stepMs,
        decodeMs: end - denoised,
        totalMs: end - start,
        stepsPerSecond: denoiseMs > 0 ? (timesteps.length * 1000) / denoiseMs : 0,
      },
      warnings,
    };
  }

  /** {@link generate} to the end, reporting progress to `onProgress`. */
  async run(options: GenerateOptions = {}, onProgress?: (p: DenoiseProgress) => void): Promise<GenerationResult> {
    checkOptionsObject(options);
    if (onProgress !== undefined && typeof onProgress !== "function") throw new RiffError("onProgress must be a function", "onProgress");
    return drain(this.generate(options), onProgress);
  }

  /**
   * Frees the models. A run in progress stops at its next step (the step running finishes first)
   * and rejects with a RiffError saying the pipeline was disposed; later runs are refused the same way.
   */
  async dispose(): Promise<void> {
    this.disposing.abort();
    await this.unet.dispose();
    await this.textEncoder?.dispose();
    await this.vaeDecoder?.dispose();
    await this.vaeEncoder?.dispose();
  }

  /** `await using pipeline = await DiffusionPipeline.load(…)` disposes it at the end of the block. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }

  private checkNotDisposed(): void {
    if (this.disposing.signal.aborted) throw new RiffError(`image generation stopped: the pipeline ${this.name} was disposed`, "pipeline");
  }
}

function checkOptionsObject(options: unknown): void {
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new RiffError(`options must be an object, got ${options === null ? "null" : Array.isArray(options) ? "an array" : typeof options}`, "options");
  }
}

function stack(rows: readonly Float32Array[], itemDims: readonly number[]): Tensor {
  const item = rows[0]?.length ?? 0;
  const data = new Float32Array(rows.length * item);
  rows.forEach((r, i) => data.set(r, i * item));
  return { data, dims: [rows.length, itemDims[1] ?? 0, itemDims[2] ?? 0] };
}

function repeat(item: Float32Array, n: number): Float32Array {
  const out = new Float32Array(item.length * n);
  for (let i = 0; i < n; i++) out.set(item, i * item.length);
  return out;
}

