import { RiffError, type Rng } from "@riff/core";
import { OnnxSession, dimsOf, float32, floatData, graphNodes } from "@riff/onnx";
import { configNumber, type JsonObject } from "./model-files.js";
import { pickOutput, refuseExtraInputs, requireType, type LoadOptions } from "./onnx-component.js";

/** Latent scaling of a VAE config: z_model = (z_vae − shift) · scale (SD: 0.18215, no shift). */
export interface LatentScaling {
  readonly scale: number;
  readonly shift: number;
}

export function latentScaling(config: JsonObject): LatentScaling {
  return { scale: configNumber(config, "scaling_factor", 0.18215), shift: configNumber(config, "shift_factor", 0) };
}

/** Channels of the VAE's latents (latent_channels; 4 for SD 1.x/2.x, and when the folder has no config). */
export function vaeLatentChannels(config: JsonObject): number {
  return configNumber(config, "latent_channels", 4);
}

/** Pixels per latent cell: 2^(len(block_out_channels) − 1), 8 for SD. */
export function vaeScaleFactor(config: JsonObject): number {
  const blocks = config.block_out_channels;
  return Array.isArray(blocks) && blocks.length > 0 ? 2 ** (blocks.length - 1) : 8;
}

/**
 * vae_decoder/model.onnx: latent_sample [b, C, h, w] → sample [b, 3, H, W] in [-1, 1].
 * Decodes one image at a time: the decoder's activations at full resolution are the largest in the
 * pipeline, and a batch of them would multiply the peak memory for no gain on CPU.
 */
export class VaeDecoder {
  private readonly output: string;
  readonly scaling: LatentScaling;

  private constructor(
    private readonly session: OnnxSession,
    config: JsonObject,
  ) {
    requireType(session, "latent_sample", "vae decoder", ["float32"]);
    refuseExtraInputs(session, "vae decoder", ["latent_sample"]);
    this.output = pickOutput(session, ["sample"]);
    this.scaling = latentScaling(config);
  }

  static async load(path: string, config: JsonObject, options: LoadOptions = {}): Promise<VaeDecoder> {
    const session = await OnnxSession.load(path, { ...options, role: "vae decoder", requiredInputs: ["latent_sample"] });
    try {
      return new VaeDecoder(session, config);
    } catch (error) {
      await session.dispose();
      throw error;
    }
  }

  /** Model-space latents [b, C, h, w] → images [b, 3, H, W] in [-1, 1] (and their dims). */
  async decode(latents: Float32Array, dims: readonly [number, number, number, number]): Promise<{ data: Float32Array; dims: [number, number, number, number] }> {
    const [batch, c, h, w] = dims;
    const item = c * h * w;
    const { scale, shift } = this.scaling;
    const parts: Float32Array[] = [];
    let outDims: number[] = [];
    for (let b = 0; b < batch; b++) {
      const z = new Float32Array(item);
      for (let i = 0; i < item; i++) z[i] = latents[b * item + i]! / scale + shift;
      const out = (await this.session.run({ latent_sample: float32(z, [1, c, h, w]) }, [this.output]))[this.output]!;
      outDims = dimsOf(out);
      if (outDims.length !== 4 || outDims[0] !== 1) throw new RiffError(`${this.session.path}: output [${outDims.join(", ")}] is not [1, C, H, W]`);
      parts.push(floatData(out).slice());
    }
    const data = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    parts.forEach((p, i) => data.set(p, i * p.length));
    return { data, dims: [batch, outDims[1]!, outDims[2]!, outDims[3]!] };
  }

  async dispose(): Promise<void> {
    await this.session.dispose();
  }
}

/**
 * vae_encoder/model.onnx: sample [b, 3, H, W] in [-1, 1] → latent_sample [b, C, h, w], or
 * latent_parameters [b, 2C, h, w] = mean ‖ log-variance (a diagonal Gaussian), which is sampled with
 * the rng as diffusers' img2img does (logvar clamped to [-30, 20]).
 */
export class VaeEncoder {
  private readonly output: string;
  readonly scaling: LatentScaling;
  /**
   * True when the graph draws its own noise (RandomNormalLike: diffusers' legacy convert script exports
   * `encode(x).latent_dist.sample()`), so its latents differ from run to run whatever the seed.
   */
  readonly samplesInGraph: boolean;

  private constructor(
    private readonly session: OnnxSession,
    config: JsonObject,
  ) {
    requireType(session, "sample", "vae encoder", ["float32"]);
    refuseExtraInputs(session, "vae encoder", ["sample"]);
    this.output = pickOutput(session, ["latent_sample", "latent_parameters", "latent_dist"]);
    this.scaling = latentScaling(config);
    this.samplesInGraph = graphNodes(session.path).some((n) => n.opType === "RandomNormalLike" || n.opType === "RandomNormal");
  }

  static async load(path: string, config: JsonObject, options: LoadOptions = {}): Promise<VaeEncoder> {
    const session = await OnnxSession.load(path, { ...options, role: "vae encoder", requiredInputs: ["sample"] });
    try {
      return new VaeEncoder(session, config);
    } catch (error) {
      await session.dispose();
      throw error;
    }
  }

  /** Images [b, 3, H, W] in [-1, 1] → model-space latents [b, C, h, w]. */
  async encode(
    images: Float32Array,
    dims: readonly [number, number, number, number],
    latentChannels: number,
    rng: Rng,
  ): Promise<{ data: Float32Array; dims: [number, number, number, number] }> {
    const [batch, c, H, W] = dims;
    const item = c * H * W;
    const { scale, shift } = this.scaling;
    const parts: Float32Array[] = [];
    let latentDims: [number, number, number, number] = [batch, latentChannels, 0, 0];
    for (let b = 0; b < batch; b++) {
      const input = float32(images.slice(b * item, (b + 1) * item), [1, c, H, W]);
      const out = (await this.session.run({ sample: input }, [this.output]))[this.output]!;
      const d = dimsOf(out);
      const raw = floatData(out);
      if (d.length !== 4 || d[0] !== 1) throw new RiffError(`${this.session.path}: output [${d.join(", ")}] is not [1, C, h, w]`);
      const plane = d[2]! * d[3]!;
      let z: Float32Array;
      if (d[1] === latentChannels) {
        z = raw.slice();
      } else if (d[1] === 2 * latentChannels) {
        z = new Float32Array(latentChannels * plane);
        for (let i = 0; i < z.length; i++) {
          const logvar = Math.min(20, Math.max(-30, raw[z.length + i]!));
          z[i] = raw[i]! + Math.exp(0.5 * logvar) * rng.normal();
        }
      } else {
        throw new RiffError(`${this.session.path}: output has ${d[1]} channels; expected ${latentChannels} latents or ${2 * latentChannels} (mean ‖ logvar)`);
      }
      for (let i = 0; i < z.length; i++) z[i] = (z[i]! - shift) * scale;
      parts.push(z);
      latentDims = [batch, latentChannels, d[2]!, d[3]!];
    }
    const data = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    parts.forEach((p, i) => data.set(p, i * p.length));
    return { data, dims: latentDims };
  }

  async dispose(): Promise<void> {
    await this.session.dispose();
  }
}
