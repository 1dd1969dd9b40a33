import { RiffError, type Tensor } from "@riff/core";
import { OnnxSession, dimsOf, floatData, integers, type Feeds } from "@riff/onnx";
import { configNumber, type JsonObject } from "./model-files.js";
import { fixedBatch, fixedDim, pickOutput, refuseExtraInputs, requireType, runInChunks, type LoadOptions } from "./onnx-component.js";

/** The text encoder: input_ids [b, L] (int32 or int64, optional attention_mask) → last_hidden_state [b, L, D]. */
export class PromptEncoder {
  /** L: the number of ids every prompt is padded or truncated to. */
  readonly length: number;
  private readonly idsType: string;
  private readonly maskType: string;
  private readonly output: string;
  private readonly batchLimit: number | undefined;

  private constructor(
    private readonly session: OnnxSession,
    config: JsonObject,
    fallbackLength: number,
  ) {
    const ids = requireType(session, "input_ids", "text encoder", ["int64", "int32"]);
    refuseExtraInputs(session, "text encoder", ["input_ids", "attention_mask"]);
    this.idsType = ids.type;
    this.maskType = session.input("attention_mask")?.type ?? "int64";
    this.output = pickOutput(session, ["last_hidden_state"]);
    this.batchLimit = fixedBatch(ids);
    const fromShape = fixedDim(ids, 1);
    this.length = fromShape ?? configNumber(config, "max_position_embeddings", fallbackLength);
    if (!Number.isInteger(this.length) || this.length < 1) throw new RiffError(`${session.path}: bad sequence length ${this.length}`);
  }

  /**
   * `fallbackLength`: L when neither the graph (a fixed input_ids dim) nor config.json
   * (max_position_embeddings) says; legacy ONNX folders have neither, and diffusers then pads to the
   * tokenizer's model_max_length.
   */
  static async load(path: string, config: JsonObject, options: LoadOptions = {}, fallbackLength = 77): Promise<PromptEncoder> {
    const session = await OnnxSession.load(path, { ...options, role: "text encoder", requiredInputs: ["input_ids"] });
    try {
      return new PromptEncoder(session, config, fallbackLength);
    } catch (error) {
      await session.dispose();
      throw error;
    }
  }

  /** Hidden states for each tokenized prompt (ids and mask exactly `length` long), as one [b, L, D] tensor. */
  async encode(rows: readonly { readonly ids: readonly number[]; readonly mask: readonly number[] }[]): Promise<Tensor> {
    const L = this.length;
    for (const row of rows) if (row.ids.length !== L || row.mask.length !== L) throw new RiffError(`text encoder wants ${L} ids per prompt, got ${row.ids.length}`);
    let hidden = 0;
    const data = await runInChunks(rows.length, this.batchLimit, async (start, count, padTo) => {
      const chunk = rows.slice(start, start + count);
      while (chunk.length < padTo) chunk.push(chunk[0]!);
      const feeds: Feeds = { input_ids: integers(this.idsType, chunk.flatMap((r) => r.ids), [padTo, L]) };
      if (this.session.hasInput("attention_mask")) {
        feeds.attention_mask = integers(this.maskType, chunk.flatMap((r) => r.mask), [padTo, L]);
      }
      const out = (await this.session.run(feeds, [this.output]))[this.output]!;
      const dims = dimsOf(out);
      if (dims.length !== 3 || dims[1] !== L) throw new RiffError(`${this.session.path}: output [${dims.join(", ")}] is not [batch, ${L}, D]`);
      hidden = dims[2]!;
      return floatData(out).slice(0, count * L * hidden);
    });
    return { data, dims: [rows.length, L, hidden] };
  }

  async dispose(): Promise<void> {
    await this.session.dispose();
  }
}
