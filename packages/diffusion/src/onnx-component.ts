import { RiffError, concatFloat32, type Tensor } from "@riff/core";
import { OnnxSession, type ExecutionProvider, type Feeds, type OrtTensor, type ValueInfo } from "@riff/onnx";

/** How to open the ONNX parts of a model. */
export interface LoadOptions {
  readonly executionProvider?: ExecutionProvider;
  readonly threads?: number;
}

/** A fixed batch size declared by an input ([1, …] exports), or undefined when the batch is dynamic. */
export function fixedBatch(info: ValueInfo | undefined): number | undefined {
  const first = info?.shape[0];
  return typeof first === "number" && first > 0 ? first : undefined;
}

/** The numeric size of dimension `axis`, or undefined when symbolic. */
export function fixedDim(info: ValueInfo | undefined, axis: number): number | undefined {
  const dim = info?.shape[axis];
  return typeof dim === "number" && dim > 0 ? dim : undefined;
}

/** Refuses inputs riff would have to feed in a type it does not build (e.g. float16 exports). */
export function requireType(session: OnnxSession, name: string, role: string, allowed: readonly string[]): ValueInfo {
  const info = session.input(name);
  if (!info) throw new RiffError(`${session.path}: the ${role} has no input "${name}"`);
  if (!allowed.includes(info.type)) {
    throw new RiffError(
      `${session.path}: the ${role} input "${name}" is ${info.type}; riff feeds ${allowed.join(" or ")}` +
        (info.type === "float16" ? " (this looks like a GPU fp16 export; use an fp32 export on CPU)" : ""),
    );
  }
  return info;
}

/** Refuses a model with inputs riff does not know how to fill (SDXL's text_embeds/time_ids, …). */
export function refuseExtraInputs(session: OnnxSession, role: string, known: readonly string[]): void {
  const extra = session.inputs.filter((i) => !known.includes(i.name));
  if (extra.length > 0) {
    throw new RiffError(
      `${session.path}: the ${role} has inputs riff does not provide: ${extra.map((i) => `"${i.name}"`).join(", ")} (supported: ${known.join(", ")})`,
    );
  }
}

/** The named output when present, else the first one. */
export function pickOutput(session: OnnxSession, preferred: readonly string[]): string {
  const name = preferred.find((n) => session.hasOutput(n)) ?? session.outputs[0]?.name;
  if (name === undefined) throw new RiffError(`${session.path} has no outputs`);
  return name;
}

/**
 * Runs `run` over a batch of `total` items in chunks of `limit` (for models exported with a fixed
 * batch; undefined = all at once). `run(start, count, padTo)` must feed items [start, start+count),
 * padded to `padTo` items (see {@link sliceBatch}), and return the outputs of the `count` real items.
 * Returns all outputs laid end to end.
 */
export async function runInChunks(
  total: number,
  limit: number | undefined,
  run: (start: number, count: number, padTo: number) => Promise<Float32Array>,
): Promise<Float32Array> {
  if (limit === undefined || limit === total) return run(0, total, total);
  const parts: Float32Array[] = [];
  for (let start = 0; start < total; start += limit) parts.push(await run(start, Math.min(limit, total - start), limit));
  return concatFloat32(parts);
}

/** Items [start, start+count) of a batch, each `itemSize` long, padded to `padTo` items by repeating the first. */
export function sliceBatch(data: Float32Array, itemSize: number, start: number, count: number, padTo: number): Float32Array {
  const view = data.subarray(start * itemSize, (start + count) * itemSize);
  if (padTo === count) return view;
  const out = new Float32Array(padTo * itemSize);
  out.set(view);
  for (let i = count; i < padTo; i++) out.set(view.subarray(0, itemSize), i * itemSize);
  return out;
}

export type { Feeds, OrtTensor, Tensor };
