import { RiffError, Rng, drain, runSteps, type Tensor } from "@riff/core";
import { encodePrompts } from "./conditioning.js";
import { denoiseModel, type DenoiseState } from "./denoise.js";
import { imageStart } from "./init-image.js";
import { inspectModel, type ModelFiles, type ModelKind } from "./model-files.js";
import type { LoadOptions } from "./onnx-component.js";
import { imageLoadOptionsSchema, type GenerateOptions } from "./options.js";
import { samplerLabel, type GenerationParameters } from "./parameters.js";
import { samplesToImages, type RasterImage, type SampleRange } from "./raster.js";
import { planRun, type ResolvedOptions, type RunPlan } from "./run-plan.js";
import { PromptEncoder } from "./text-encoder.js";
import { loadPromptTokenizer, tokenizerMaxLength, type PromptTokenizer } from "./tokenizer.js";
import { LEGACY_LATENT_CHANNELS, UNet } from "./unet.js";
import { VaeDecoder, VaeEncoder, vaeLatentChannels, vaeScaleFactor } from "./vae.js";

export type { ResolvedOptions } from "./run-plan.js";

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
    return this.plan(given).options;
  }

  /** The run's options and its scheduler (built once, here). */
  private plan(given: GenerateOptions): RunPlan {
    return planRun(
      {
        name: this.name,
        kind: this.kind,
        files: this.files,
        conditioned: this.textEncoder !== undefined,
        inpainting: this.inpainting,
        unetChannels: this.unet.channels,
        scaleFactor: this.scaleFactor,
        defaultSize: this.defaultSize,
        fixedSize: this.unet.fixedSize,
        canEncodeImages: this.vaeEncoder !== undefined,
      },
      given,
    );
  }

  /** The unet's text conditioning, or undefined for an unconditional model (which ignores the prompt, with a warning). */
  private async conditioning(r: ResolvedOptions, guided: boolean, warnings: string[]): Promise<Tensor | undefined> {
    if (!this.tokenizer || !this.textEncoder) {
      if (r.prompt.trim() !== "") warnings.push(`${this.name} is an unconditional model: the prompt is ignored`);
      return undefined;
    }
    return encodePrompts(this.tokenizer, this.textEncoder, r, guided, warnings);
  }

  /**
   * Generates images, yielding one {@link DenoiseProgress} per denoising step; the generator's
   * return value is the result. The same options (seed included) give the same bytes.
   */
  async *generate(options: GenerateOptions = {}): AsyncGenerator<DenoiseProgress, GenerationResult> {
    const start = performance.now();
    checkOptionsObject(options);
    this.checkNotDisposed();
    const { options: r, scheduler } = this.plan(options);
    const warnings: string[] = [];
    const guided = r.guidanceScale !== undefined && r.guidanceScale > 1;
    const f = this.scaleFactor;
    const dims = [r.numImages, this.latentChannels, r.height / f, r.width / f] as const;
    const size = dims[0] * dims[1] * dims[2] * dims[3];
    const rng = new Rng(r.seed);

    const context = await this.conditioning(r, guided, warnings);
    // The starting noise comes first from the seed's stream, so it does not depend on img2img.
    const noise = rng.normalArray(size);
    const image =
      r.initImage !== undefined && r.strength !== undefined
        ? await imageStart(
            { name: this.name, kind: this.kind, sampleRange: this.sampleRange, vaeEncoder: this.vaeEncoder },
            { ...r, initImage: r.initImage, strength: r.strength },
            { scheduler, dims, noise, rng },
            warnings,
          )
        : undefined;
    const timesteps = image?.timesteps ?? scheduler.timesteps;
    const extra = image?.extra;
    let sample = image?.sample;
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
