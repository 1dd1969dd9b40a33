import * as ort from "onnxruntime-node";

/** Builders for onnxruntime tensors, so modality packages never import onnxruntime-node. */
export function float32(data: Float32Array, dims: readonly number[]): ort.Tensor {
  return new ort.Tensor("float32", data, dims);
}

export function float64(data: Float64Array, dims: readonly number[]): ort.Tensor {
  return new ort.Tensor("float64", data, dims);
}

/** A float16 tensor from raw IEEE half-precision bits (one Uint16 per element). */
export function float16(data: Uint16Array, dims: readonly number[]): ort.Tensor {
  return new ort.Tensor("float16", data, dims);
}

export function int64(data: BigInt64Array | readonly number[], dims: readonly number[]): ort.Tensor {
  const values = data instanceof BigInt64Array ? data : BigInt64Array.from(data, (v) => BigInt(v));
  return new ort.Tensor("int64", values, dims);
}

export function int32(data: Int32Array | readonly number[], dims: readonly number[]): ort.Tensor {
  return new ort.Tensor("int32", data instanceof Int32Array ? data : Int32Array.from(data), dims);
}

export function bool(data: readonly boolean[], dims: readonly number[]): ort.Tensor {
  return new ort.Tensor("bool", Uint8Array.from(data, (b) => (b ? 1 : 0)), dims);
}

/** A tensor of integer ids in whichever integer type the model declares (int64 unless int32). */
export function integers(type: string, values: readonly number[], dims: readonly number[]): ort.Tensor {
  return type === "int32" ? int32(values, dims) : int64(values, dims);
}

/** The float data of an output tensor (float16 outputs are converted to float32). */
export function floatData(t: ort.Tensor): Float32Array {
  if (t.type === "float32") return t.data as Float32Array;
  if (t.type === "float16") {
    const raw = t.data as Uint16Array | Float32Array;
    return raw instanceof Float32Array ? raw : Float32Array.from(raw, halfToFloat);
  }
  if (t.type === "float64") return Float32Array.from(t.data as Float64Array);
  throw new TypeError(`expected a float tensor, got ${t.type}`);
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** Dims of an output tensor as plain numbers. */
export function dimsOf(t: ort.Tensor): number[] {
  return t.dims.map(Number);
}
