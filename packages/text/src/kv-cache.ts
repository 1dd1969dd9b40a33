import { float16, float32, type OrtTensor } from "@riff/onnx";

/** Names and shape facts of one layer's cache, read from the session. */
export interface KvLayerIO {
  readonly keyInput: string;
  readonly valueInput: string;
  readonly keyOutput: string;
  readonly valueOutput: string;
  /**
   * The outputs holding only the step's new key and value positions, where the decoder has them
   * (step-kv.ts): then its caches are {@link KvCache.appending} ones.
   */
  readonly keyStep?: string | undefined;
  readonly valueStep?: string | undefined;
}

export interface KvLayout {
  readonly layers: readonly KvLayerIO[];
  /** KV heads and head size: dims 1 and 3 of [batch, heads, past, head_dim]. */
  readonly heads: number;
  readonly headDim: number;
  readonly type: "float32" | "float16";
}

type KvData = Float32Array | Uint16Array;

/** An in-place or appending cache's room grows in steps of this many positions (see {@link KvCache.withRoom}). */
export const IN_PLACE_ROOM = 32;

/**
 * Who writes a forward pass's new positions into the cache:
 * - "growing": nobody; the session's present.* outputs (past and new concatenated) become the cache;
 * - "in-place": the operator (GroupQueryAttention), into the buffers bound as present.*;
 * - "appending": riff, copying the step's new positions (step-kv.ts's outputs) after the run.
 */
export type KvKind = "growing" | "in-place" | "appending";

function makeKv(type: KvLayout["type"], data: KvData, dims: readonly number[]): OrtTensor {
  return type === "float32" ? float32(data as Float32Array, dims) : float16(data as Uint16Array, dims);
}

/**
 * The decoder's key/value cache: one key and one value tensor per layer, each
 * [batch, heads, capacity, head_dim] of which the first `length` positions are filled.
 *
 * Two kinds. A growing cache (capacity = length) holds the session's own `present.*` outputs,
 * fed back unchanged as `past_key_values.*`; only a beam reorder ({@link gather}) copies. An
 * in-place cache ({@link inPlace}, for GroupQueryAttention graphs) holds buffers of a larger
 * capacity that are fed as `past_key_values.*` and bound as the `present.*` outputs too: the
 * operator writes the new positions into them where they stand (past_present_share_buffer, as
 * onnxruntime-genai runs these graphs) instead of concatenating the past and the new positions
 * into a fresh present. (onnxruntime-node still copies each output back into a new ArrayBuffer
 * after a run, bound or not, so that copy remains: see {@link withRoom}.)
 * A forward pass on an in-place cache leaves the positions before its own untouched, so a cache
 * of fewer positions stays valid while nobody runs a different token at the same position.
 * An appending cache ({@link appending}) holds buffers with room too, fed whole as the past with
 * the unfilled room masked out; the graph returns only the step's new positions, which
 * {@link appended} copies in: no output carries the whole cache, and left padding is allowed.
 */
export class KvCache {
  private constructor(
    readonly layout: KvLayout,
    private readonly tensors: readonly { key: OrtTensor; value: OrtTensor }[],
    /** Cached positions (the `past` dim that is filled). */
    readonly length: number,
    readonly batch: number,
    /** Positions the buffers hold per row and head: `length` for a growing cache. */
    readonly capacity: number = length,
    /** Who writes a forward pass's new positions (see the class comment). */
    readonly kind: KvKind = "growing",
  ) {}

  /** Whether forward passes write into these buffers themselves (GroupQueryAttention). */
  get inPlace(): boolean {
    return this.kind === "in-place";
  }

  /** An in-place cache with no positions yet and room for `capacity`. */
  static inPlace(layout: KvLayout, batch: number, capacity: number): KvCache {
    return KvCache.withBuffers(layout, batch, capacity, "in-place");
  }

  /** An appending cache with no positions yet and room for `capacity`. */
  static appending(layout: KvLayout, batch: number, capacity: number): KvCache {
    return KvCache.withBuffers(layout, batch, capacity, "appending");
  }

  private static withBuffers(layout: KvLayout, batch: number, capacity: number, kind: KvKind): KvCache {
    const size = batch * layout.heads * capacity * layout.headDim;
    const dims = [batch, layout.heads, capacity, layout.headDim];
    const make = (): OrtTensor => makeKv(layout.type, layout.type === "float32" ? new Float32Array(size) : new Uint16Array(size), dims);
    const tensors = layout.layers.map(() => ({ key: make(), value: make() }));
    return new KvCache(layout, tensors, 0, batch, capacity, kind);
  }

  /**
   * This in-place cache with room for at least `positions`: itself when it has it, else its
   * positions copied into buffers with room for `positions` rounded up to {@link IN_PLACE_ROOM}.
   * The room is kept tight because onnxruntime-node copies every output of a run into a new
   * ArrayBuffer, bound ones too: each step copies the whole buffers (2,048 positions of a 30-layer
   * cache made a step 3 to 9 times slower than 160 did), while growing by a few positions copies
   * only the filled part, once every IN_PLACE_ROOM positions.
   */
  withRoom(positions: number): KvCache {
    if (this.kind === "growing") throw new Error("withRoom: a growing cache has no room");
    if (positions <= this.capacity) return this;
    const grown = KvCache.withBuffers(this.layout, this.batch, Math.ceil(positions / IN_PLACE_ROOM) * IN_PLACE_ROOM, this.kind);
    const blocks = this.batch * this.layout.heads;
    const { headDim } = this.layout;
    this.tensors.forEach((t, layer) => {
      for (const which of ["key", "value"] as const) {
        const from = t[which].data as KvData;
        const to = grown.tensors[layer]![which].data as KvData;
        for (let b = 0; b < blocks; b++) {
          to.set(from.subarray(b * this.capacity * headDim, (b * this.capacity + this.length) * headDim), b * grown.capacity * headDim);
        }
      }
    });
    return new KvCache(this.layout, grown.tensors, this.length, this.batch, grown.capacity, this.kind);
  }

  /** This in-place cache after a forward pass of `seq` positions wrote into it. */
  extended(seq: number): KvCache {
    if (!this.inPlace || this.length + seq > this.capacity) throw new Error(`extended: ${this.length} + ${seq} positions do not fit`);
    return new KvCache(this.layout, this.tensors, this.length + seq, this.batch, this.capacity, "in-place");
  }

  /**
   * This appending cache after a forward pass of `seq` positions: each layer's step key and value
   * ([batch, heads, seq, head_dim], the outputs named in the layout) copied in after its filled
   * positions, in these buffers when they have room, else in grown ones.
   */
  appended(outputs: Readonly<Record<string, OrtTensor>>, seq: number): KvCache {
    if (this.kind !== "appending") throw new Error("appended: not an appending cache");
    const grown = this.withRoom(this.length + seq);
    const { heads, headDim } = this.layout;
    const blocks = this.batch * heads;
    const step = seq * headDim;
    this.layout.layers.forEach((layer, i) => {
      const t = grown.tensors[i]!;
      for (const [name, into] of [[layer.keyStep, t.key], [layer.valueStep, t.value]] as const) {
        const source = name === undefined ? undefined : outputs[name];
        if (source === undefined) throw new Error(`the decoder returned no ${name ?? `step positions for layer ${i}`}`);
        const from = source.data as KvData;
        if (from.length !== blocks * step) throw new Error(`${name}: ${from.length} values for [${this.batch}, ${heads}, ${seq}, ${headDim}]`);
        const to = into.data as KvData;
        for (let b = 0; b < blocks; b++) to.set(from.subarray(b * step, (b + 1) * step), (b * grown.capacity + this.length) * headDim);
      }
    });
    return new KvCache(this.layout, grown.tensors, this.length + seq, this.batch, grown.capacity, "appending");
  }

  /** Binds this in-place cache's buffers as the present.* outputs of a run. */
  addOutputs(fetches: Record<string, OrtTensor | null>): void {
    if (!this.inPlace) throw new Error("addOutputs: not an in-place cache");
    this.layout.layers.forEach((layer, i) => {
      const t = this.tensors[i]!;
      fetches[layer.keyOutput] = t.key;
      fetches[layer.valueOutput] = t.value;
    });
  }

  /** A cache with no positions yet (past length 0), for the prefill. */
  static empty(layout: KvLayout, batch: number): KvCache {
    const dims = [batch, layout.heads, 0, layout.headDim];
    const tensors = layout.layers.map(() => {
      const data = layout.type === "float32" ? new Float32Array(0) : new Uint16Array(0);
      return { key: makeKv(layout.type, data, dims), value: makeKv(layout.type, data, dims) };
    });
    return new KvCache(layout, tensors, 0, batch);
  }

  /**
   * A cache of `length` positions whose row i is parts[i]'s row, right-aligned: a shorter source
   * is left-padded with zeros (its row's attention mask must cover them), a longer one loses its
   * first positions (which must be padding). Continuous batching admits and drops rows with it,
   * one copy each time the batch changes.
   */
  static splice(layout: KvLayout, length: number, parts: readonly { readonly cache: KvCache; readonly row: number }[]): KvCache {
    const { heads, headDim, type } = layout;
    // Appending caches stay appending, with room for the next step.
    const kind: KvKind = parts[0]?.cache.kind === "appending" ? "appending" : "growing";
    const capacity = kind === "appending" ? Math.ceil((length + 1) / IN_PLACE_ROOM) * IN_PLACE_ROOM : length;
    const block = capacity * headDim;
    const dims = [parts.length, heads, capacity, headDim];
    for (const { cache, row } of parts) {
      if (!Number.isInteger(row) || row < 0 || row >= cache.batch) throw new RangeError(`splice: row ${row} outside batch ${cache.batch}`);
    }
    const copy = (layer: number, which: "key" | "value"): OrtTensor => {
      const out = type === "float32" ? new Float32Array(parts.length * heads * block) : new Uint16Array(parts.length * heads * block);
      parts.forEach(({ cache, row }, i) => {
        const source = cache.tensors[layer]![which].data as KvData;
        const from = cache.length * headDim;
        const shift = length * headDim - from;
        for (let h = 0; h < heads; h++) {
          const s = (row * heads + h) * cache.capacity * headDim;
          const d = (i * heads + h) * block;
          if (shift >= 0) out.set(source.subarray(s, s + from), d + shift);
          else out.set(source.subarray(s - shift, s + from), d);
        }
      });
      return makeKv(type, out, dims);
    };
    const tensors = layout.layers.map((_, layer) => ({ key: copy(layer, "key"), value: copy(layer, "value") }));
    return new KvCache(layout, tensors, length, parts.length, capacity, kind);
  }

  /** The cache after a forward pass: the `present.*` outputs themselves (no copy). */
  static fromOutputs(layout: KvLayout, outputs: Readonly<Record<string, OrtTensor>>): KvCache {
    let length = -1;
    let batch = -1;
    const tensors = layout.layers.map((layer) => {
      const key = outputs[layer.keyOutput];
      const value = outputs[layer.valueOutput];
      if (key === undefined || value === undefined) {
        throw new Error(`the decoder returned no ${key === undefined ? layer.keyOutput : layer.valueOutput}`);
      }
      batch = Number(key.dims[0]);
      length = Number(key.dims[2]);
      return { key, value };
    });
    return new KvCache(layout, tensors, length, batch);
  }

  /** Adds this cache to a feeds object as past_key_values.*. */
  addFeeds(feeds: Record<string, OrtTensor>): void {
    this.layout.layers.forEach((layer, i) => {
      const t = this.tensors[i]!;
      feeds[layer.keyInput] = t.key;
      feeds[layer.valueInput] = t.value;
    });
  }

  /**
   * A cache whose batch row i is this cache's row rows[i] (gather along the batch dim), for beam
   * search's reorder. The identity returns this cache itself.
   */
  gather(rows: readonly number[]): KvCache {
    if (rows.length === this.batch && rows.every((r, i) => r === i)) return this;
    for (const r of rows) {
      if (!Number.isInteger(r) || r < 0 || r >= this.batch) throw new RangeError(`gather: row ${r} outside batch ${this.batch}`);
    }
    const tensors = this.tensors.map(({ key, value }) => ({ key: gatherRows(key, rows), value: gatherRows(value, rows) }));
    return new KvCache(this.layout, tensors, this.length, rows.length, this.capacity, this.kind);
  }

  /**
   * The same-size reorder {@link gather} does, done in place: only the rows whose source differs
   * are rewritten (sources that get overwritten are first saved in `scratch`). For a cache nobody
   * else holds, such as a forward pass's fresh outputs: beam search's per-step reorder then
   * allocates nothing, and the identity (beams kept in order) costs nothing.
   */
  reorderInPlace(rows: readonly number[], scratch: RowScratch): KvCache {
    if (rows.length !== this.batch) throw new RangeError(`reorderInPlace: ${rows.length} rows for batch ${this.batch}`);
    let identity = true;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      if (!Number.isInteger(r) || r < 0 || r >= this.batch) throw new RangeError(`reorderInPlace: row ${r} outside batch ${this.batch}`);
      if (r !== i) identity = false;
    }
    if (identity) return this;
    // A key and a value may share storage; each buffer is reordered once.
    const done = new Set<KvData>();
    for (const { key, value } of this.tensors) {
      for (const t of [key, value]) {
        const data = t.data as KvData;
        if (done.has(data)) continue;
        done.add(data);
        reorderRows(data, data.length / this.batch, rows, scratch);
      }
    }
    return this;
  }

  /**
   * The first `length` positions of this cache, compacted in place: each [heads, length, head_dim]
   * block moves down over the dropped positions of the block before it, and the tensors become
   * views of the front of the same buffers. Drops the positions of rejected drafts without
   * allocating; like {@link reorderInPlace}, for a cache nobody else holds. The full length
   * returns this cache itself.
   */
  truncateInPlace(length: number): KvCache {
    if (!Number.isInteger(length) || length < 0 || length > this.length) {
      throw new RangeError(`truncateInPlace: length ${length} outside 0..${this.length}`);
    }
    if (length === this.length) return this;
    // The operator reads only the first `length` positions and writes the next ones over the rest.
    if (this.kind !== "growing") return new KvCache(this.layout, this.tensors, length, this.batch, this.capacity, this.kind);
    const { heads, headDim, type } = this.layout;
    const blocks = this.batch * heads;
    const dims = [this.batch, heads, length, headDim];
    const cut = (data: KvData): OrtTensor => makeKv(type, compactBlocks(data, blocks, this.length * headDim, length * headDim), dims);
    const tensors = this.tensors.map(({ key, value }) => {
      const keyData = key.data as KvData;
      const valueData = value.data as KvData;
      const shortKey = cut(keyData);
      // A key and a value may share storage; it is compacted once.
      return { key: shortKey, value: valueData === keyData ? shortKey : cut(valueData) };
    });
    return new KvCache(this.layout, tensors, length, this.batch);
  }

  /** The raw data of one layer's key or value, for tests. */
  data(layer: number, which: "key" | "value"): KvData {
    const t = this.tensors[layer];
    if (t === undefined) throw new RangeError(`no layer ${layer}`);
    return t[which].data as KvData;
  }
}

/** Reused buffers for {@link KvCache.reorderInPlace}. */
export class RowScratch {
  private f32 = new Float32Array(0);
  private u16 = new Uint16Array(0);
  slot = new Int32Array(0);

  rows<T extends KvData>(like: T, size: number): T {
    if (like instanceof Float32Array) {
      if (this.f32.length < size) this.f32 = new Float32Array(Math.max(size, 2 * this.f32.length));
      return this.f32 as T;
    }
    if (this.u16.length < size) this.u16 = new Uint16Array(Math.max(size, 2 * this.u16.length));
    return this.u16 as T;
  }

  slots(batch: number): Int32Array {
    if (this.slot.length < batch) this.slot = new Int32Array(batch);
    this.slot.fill(-1, 0, batch);
    return this.slot;
  }
}

/**
 * Moves `blocks` consecutive blocks of `from` elements down to `to` elements each (their first
 * `to`), in place, and returns a view of the result. Block b moves from b·from to b·to ≤ b·from,
 * so in increasing b nothing is read after it is overwritten.
 */
function compactBlocks(data: KvData, blocks: number, from: number, to: number): KvData {
  for (let b = 1; b < blocks; b++) data.copyWithin(b * to, b * from, b * from + to);
  // A view through the constructor: subarray is slower on onnxruntime's output arrays.
  const View = data.constructor as new (buffer: ArrayBufferLike, offset: number, length: number) => KvData;
  return new View(data.buffer, data.byteOffset, blocks * to);
}

/** data's row i becomes its old row rows[i], rewriting only rows with rows[i] ≠ i. */
function reorderRows(data: KvData, rowSize: number, rows: readonly number[], scratch: RowScratch): void {
  const batch = rows.length;
  const slot = scratch.slots(batch);
  let saved = 0;
  // A row read by another row and itself overwritten must be saved before the writes.
  for (let i = 0; i < batch; i++) {
    const s = rows[i]!;
    if (s !== i && rows[s] !== s && slot[s]! < 0) slot[s] = saved++;
  }
  const store = scratch.rows(data, saved * rowSize);
  for (let s = 0; s < batch; s++) {
    const k = slot[s]!;
    if (k >= 0) store.set(data.subarray(s * rowSize, (s + 1) * rowSize), k * rowSize);
  }
  for (let i = 0; i < batch; i++) {
    const s = rows[i]!;
    if (s === i) continue;
    const k = slot[s]!;
    const from = k >= 0 ? store.subarray(k * rowSize, (k + 1) * rowSize) : data.subarray(s * rowSize, (s + 1) * rowSize);
    data.set(from, i * rowSize);
  }
}

function gatherRows(t: OrtTensor, rows: readonly number[]): OrtTensor {
  const dims = t.dims.map(Number);
  const rowSize = dims.slice(1).reduce((a, b) => a * b, 1);
  const source = t.data as KvData;
  const out = new (source.constructor as new (length: number) => KvData)(rows.length * rowSize);
  rows.forEach((r, i) => out.set(source.subarray(r * rowSize, (r + 1) * rowSize), i * rowSize));
  return makeKv(t.type === "float16" ? "float16" : "float32", out, [rows.length, ...dims.slice(1)]);
}
