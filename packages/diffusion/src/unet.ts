import { RiffError, type Tensor } from "@riff/core";
import { OnnxSession, convInputChannels, dimsOf, float32, floatData, int32, int64, type Feeds, type OrtTensor } from "@riff/onnx";
import { configNumber, type JsonObject } from "./model-files.js";
import {
  fixedBatch,
  fixedDim,
  pickOutput,
  refuseExtraInputs,
  requireType,
  runInChunks,
  sliceBatch,
  type LoadOptions,
} from "./onnx-component.js";

const CONTEXT = "encoder_hidden_states";

/** Latent channels of Stable Diffusion 1.x/2.x: what diffusers' OnnxStableDiffusionPipeline assumes. */
export const LEGACY_LATENT_CHANNELS = 4;

/**
 * The denoiser: sample [b, c, h, w] (float32), timestep (scalar, [1] or [b]; float32, int64 or
 * int32 — read from the session's metadata), optional encoder_hidden_states [b, L, D]
 * → out_sample [b, c, h, w] (ε, v or x0 as the scheduler's prediction_type says).
 */
export class UNet {
  /** Channels of `sample` (config in_channels, else the input's shape). */
  readonly channels: number;
  /** Spatial size the model was exported or trained for, when known. */
  readonly sampleSize: number | undefined;
  /** True when the input's height and width are fixed numbers in the graph. */
  readonly fixedSize: { readonly height: number; readonly width: number } | undefined;
  readonly conditioned: boolean;
  private readonly timestepType: string;
  private readonly timestepShape: "scalar" | "one" | "batch";
  private readonly output: string;
  private readonly batchLimit: number | undefined;

  private constructor(
    private readonly session: OnnxSession,
    config: JsonObject,
    fallbackChannels: number | undefined,
  ) {
    const sample = requireType(session, "sample", "unet", ["float32"]);
    const timestep = requireType(session, "timestep", "unet", ["float32", "int64", "int32"]);
    this.conditioned = session.hasInput(CONTEXT);
    if (this.conditioned) requireType(session, CONTEXT, "unet", ["float32"]);
    refuseExtraInputs(session, "unet", ["sample", "timestep", CONTEXT]);
    this.timestepType = timestep.type;
    this.timestepShape =
      timestep.shape.length === 0 ? "scalar" : timestep.shape.length === 1 && timestep.shape[0] === 1 ? "one" : "batch";
    this.output = pickOutput(session, ["out_sample"]);
    this.batchLimit = this.timestepShape === "batch" ? fixedBatch(sample) : 1;
    if (this.timestepShape !== "batch" && fixedBatch(sample) !== undefined && fixedBatch(sample) !== 1) {
      throw new RiffError(`${session.path}: a unet with one timestep must take batch 1 or a dynamic batch`);
    }
    // Legacy exports leave the channel dim dynamic: the first convolution's weights tell 4 (text-to-image) from 9 (inpainting).
    const configured = configNumber(config, "in_channels", Number.NaN);
    const channels = Number.isNaN(configured)
      ? (fixedDim(sample, 1) ?? convInputChannels(session.path, "sample") ?? fallbackChannels ?? Number.NaN)
      : configured;
    if (!Number.isInteger(channels) || channels < 1) {
      throw new RiffError(`${session.path}: cannot tell the unet's channel count (no in_channels in unet/config.json, none in the graph)`);
    }
    this.channels = channels;
    const h = fixedDim(sample, 2);
    const w = fixedDim(sample, 3);
    this.fixedSize = h !== undefined && w !== undefined ? { height: h, width: w } : undefined;
    const size = config.sample_size;
    this.sampleSize = typeof size === "number" ? size : Array.isArray(size) && typeof size[0] === "number" ? size[0] : h;
  }

  /**
   * `fallbackChannels`: the channel count when neither unet/config.json (in_channels) nor the graph
   * (a fixed `sample` dim) gives one. diffusers' OnnxStableDiffusionPipeline, whose folders have no
   * component config.json and a dynamic channel dim, always makes 4 latent channels.
   */
  static async load(path: string, config: JsonObject, options: LoadOptions = {}, fallbackChannels?: number): Promise<UNet> {
    const session = await OnnxSession.load(path, { ...options, role: "unet", requiredInputs: ["sample", "timestep"] });
    try {
      return new UNet(session, config, fallbackChannels);
    } catch (error) {
      await session.dispose();
      throw error;
    }
  }

  private timestepTensor(t: number, batch: number): OrtTensor {
    const dims = this.timestepShape === "scalar" ? [] : this.timestepShape === "one" ? [1] : [batch];
    const count = this.timestepShape === "batch" ? batch : 1;
    if (this.timestepType === "float32") return float32(new Float32Array(count).fill(t), dims);
    // Integer timesteps: fractional values (Euler/DPM schedules) are rounded, as diffusers' cast does for ONNX.
    const values = new Array<number>(count).fill(Math.round(t));
    return this.timestepType === "int32" ? int32(values, dims) : int64(values, dims);
  }

  /**
   * The model output [b, outChannels, h, w] for `sample` [b, c, h, w] at timestep `t`, with `context`
   * [b, L, D] if conditioned. outChannels is c, except for inpainting unets (c = latents ⊕ mask ⊕
   * masked-image latents, out = latents).
   */
  async predict(
    sample: Float32Array,
    dims: readonly [number, number, number, number],
    t: number,
    context?: Tensor,
    outChannels = dims[1],
  ): Promise<Float32Array> {
    const [batch, c, h, w] = dims;
    const item = c * h * w;
    const outItem = outChannels * h * w;
    if (sample.length !== batch * item) throw new RiffError(`unet sample has ${sample.length} values for dims [${dims.join(", ")}]`);
    if (this.conditioned && !context) throw new RiffError(`${this.session.path}: this unet needs text conditioning (${CONTEXT})`);
    const contextItem = context ? (context.dims[1] ?? 0) * (context.dims[2] ?? 0) : 0;
    if (context && context.dims[0] !== batch) throw new RiffError(`unet context batch ${context.dims[0]} ≠ sample batch ${batch}`);
    return runInChunks(batch, this.batchLimit, async (start, count, padTo) => {
      const feeds: Feeds = {
        sample: float32(sliceBatch(sample, item, start, count, padTo), [padTo, c, h, w]),
        timestep: this.timestepTensor(t, padTo),
      };
      if (this.conditioned && context) {
        feeds[CONTEXT] = float32(sliceBatch(context.data, contextItem, start, count, padTo), [padTo, context.dims[1]!, context.dims[2]!]);
      }
      const out = (await this.session.run(feeds, [this.output]))[this.output]!;
      const outDims = dimsOf(out);
      if (outDims.length !== 4 || outDims[0] !== padTo || outDims[1] !== outChannels || outDims[2] !== h || outDims[3] !== w) {
        throw new RiffError(`${this.session.path}: output [${outDims.join(", ")}] is not [${padTo}, ${outChannels}, ${h}, ${w}]`);
      }
      const data = floatData(out);
      // onnxruntime hands back a fresh array each run: keep it rather than copy it, unless padded.
      return data.length === count * outItem ? data : data.slice(0, count * outItem);
    });
  }

  async dispose(): Promise<void> {
    await this.session.dispose();
  }
}
