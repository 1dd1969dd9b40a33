import { int32, int64, type OrtTensor } from "@riff/onnx";

/**
 * The integer inputs of one decode step (input_ids, attention_mask, position_ids), for one new
 * token per row or a few (a token and its drafts), written into
 * buffers reused from step to step. Each row's mask is fully described by its left padding (0
 * over the padding, 1 after it: generation only ever appends 1s), so no per-row mask arrays are
 * kept. Per step the only int64 conversions are the new token of each row; a mask without padding
 * is a view of a buffer of ones, and a single row's position a view of a buffer of 0, 1, 2, ….
 */
export class StepFeeds {
  private readonly ids: IntBuffer;
  private readonly mask: IntBuffer;
  private readonly positions: IntBuffer;
  /** Ones, for masks without padding: [batch, total] is its first batch·total entries. */
  private readonly ones: IntBuffer;
  /** counting[i] = i, for a single row's position. */
  private readonly counting: IntBuffer;

  constructor(idsType: string, maskType: string, positionType: string) {
    this.ids = new IntBuffer(idsType);
    this.mask = new IntBuffer(maskType);
    this.positions = new IntBuffer(positionType);
    this.ones = new IntBuffer(maskType, 1);
    this.counting = new IntBuffer(positionType, "counting");
  }

  /** input_ids [batch, seq]: row-major new tokens, `seq` per row. */
  inputIds(tokens: readonly number[], seq = 1): OrtTensor {
    const count = tokens.length;
    const view = this.ids.view(count);
    for (let i = 0; i < count; i++) this.ids.set(i, tokens[i]!);
    return this.ids.tensor(view, [count / seq, seq]);
  }

  /**
   * attention_mask [batch, total]: row r is pads[r] zeros, then ones, except over `room` (an
   * appending cache's unfilled positions, [filled, capacity)), which is zeros in every row.
   */
  attentionMask(pads: readonly number[], total: number, room?: { readonly start: number; readonly end: number }): OrtTensor {
    const batch = pads.length;
    const dims = [batch, total];
    const holed = room !== undefined && room.end > room.start;
    if (!holed && pads.every((p) => p === 0)) return this.ones.tensor(this.ones.view(batch * total), dims);
    const view = this.mask.view(batch * total);
    for (let r = 0; r < batch; r++) {
      const start = r * total;
      const pad = Math.min(pads[r]!, total);
      this.mask.fill(0, start, start + pad);
      this.mask.fill(1, start + pad, start + total);
      if (holed) this.mask.fill(0, start + room.start, start + room.end);
    }
    return this.mask.tensor(view, dims);
  }

  /** position_ids [batch, seq]: the new tokens' positions, counted over real (unpadded) tokens. */
  positionIds(pads: readonly number[], total: number, seq = 1): OrtTensor {
    const batch = pads.length;
    if (batch === 1) {
      const first = total - seq - pads[0]!;
      this.counting.view(first + seq);
      return this.counting.tensor(this.counting.slice(first, first + seq), [1, seq]);
    }
    const view = this.positions.view(batch * seq);
    for (let r = 0; r < batch; r++) {
      for (let j = 0; j < seq; j++) this.positions.set(r * seq + j, total - seq + j - pads[r]!);
    }
    return this.positions.tensor(view, [batch, seq]);
  }
}

type IntArray = BigInt64Array | Int32Array;

/**
 * A growable int64 (or int32, when the model declares it) buffer. Growth doubles the capacity, so
 * a generation reallocates O(log length) times; views are subarrays (onnxruntime-node reads a
 * view's offset and length).
 */
class IntBuffer {
  private data: IntArray;
  private readonly wide: boolean;

  constructor(
    type: string,
    /** What new capacity is filled with: 0 (default), 1, or i at index i. */
    private readonly content: 0 | 1 | "counting" = 0,
  ) {
    this.wide = type !== "int32";
    this.data = this.allocate(16);
  }

  /** The first n entries, growing the buffer when needed (its content is then refilled). */
  view(n: number): IntArray {
    if (n > this.data.length) this.data = this.allocate(Math.max(n, 2 * this.data.length));
    return this.data.subarray(0, n);
  }

  slice(start: number, end: number): IntArray {
    return this.data.subarray(start, end);
  }

  set(i: number, value: number): void {
    if (this.wide) (this.data as BigInt64Array)[i] = BigInt(value);
    else (this.data as Int32Array)[i] = value;
  }

  fill(value: 0 | 1, start: number, end: number): void {
    if (this.wide) (this.data as BigInt64Array).fill(value === 1 ? 1n : 0n, start, end);
    else (this.data as Int32Array).fill(value, start, end);
  }

  tensor(view: IntArray, dims: readonly number[]): OrtTensor {
    return this.wide ? int64(view as BigInt64Array, dims) : int32(view as Int32Array, dims);
  }

  private allocate(n: number): IntArray {
    if (this.wide) {
      const a = new BigInt64Array(n);
      if (this.content === 1) a.fill(1n);
      else if (this.content === "counting") for (let i = 0; i < n; i++) a[i] = BigInt(i);
      return a;
    }
    const a = new Int32Array(n);
    if (this.content === 1) a.fill(1);
    else if (this.content === "counting") for (let i = 0; i < n; i++) a[i] = i;
    return a;
  }
}
