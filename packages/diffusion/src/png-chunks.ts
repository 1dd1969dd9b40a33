/**
 * Minimal PNG chunk surgery: read the text chunks of a PNG and insert a new one.
 *
 * Why this exists: sharp (libvips) can read PNG text chunks (`metadata().comments`) but has no API to
 * write arbitrary ones, and riff stores its generation parameters in a tEXt chunk named "parameters"
 * (the AUTOMATIC1111 convention that image viewers and tools read back). So we let sharp encode the
 * pixels and splice the chunk into its output ourselves, before the first IDAT.
 *
 * PNG layout (ISO/IEC 15948 §5): an 8-byte signature, then chunks of
 * length (4 bytes, big-endian) | type (4 ASCII bytes) | data | CRC-32 of type + data.
 */

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

let crcTable: Uint32Array | undefined;

function table(): Uint32Array {
  if (crcTable) return crcTable;
  crcTable = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crcTable[n] = c >>> 0;
  }
  return crcTable;
}

/** CRC-32 (ISO 3309 / ITU-T V.42, the one PNG and zlib use) of `bytes`. */
export function crc32(bytes: Uint8Array): number {
  const t = table();
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = t[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export interface PngChunk {
  readonly type: string;
  readonly data: Buffer;
  /** Byte offset of the chunk's length field in the file. */
  readonly offset: number;
}

/** The chunks of a PNG, checked: signature, lengths within the file, and every CRC. */
export function readChunks(png: Buffer): PngChunk[] {
  if (png.length < 8 || !png.subarray(0, 8).equals(SIGNATURE)) throw new Error("not a PNG file (bad signature)");
  const chunks: PngChunk[] = [];
  let offset = 8;
  while (offset < png.length) {
    if (offset + 12 > png.length) throw new Error(`PNG chunk at byte ${offset} is truncated`);
    const length = png.readUInt32BE(offset);
    const end = offset + 12 + length;
    if (end > png.length) throw new Error(`PNG chunk at byte ${offset} runs past the end of the file`);
    const type = png.toString("latin1", offset + 4, offset + 8);
    const crc = png.readUInt32BE(offset + 8 + length);
    if (crc !== crc32(png.subarray(offset + 4, offset + 8 + length))) throw new Error(`PNG chunk ${type} has a bad CRC`);
    chunks.push({ type, data: png.subarray(offset + 8, offset + 8 + length), offset });
    offset = end;
    if (type === "IEND") break;
  }
  return chunks;
}

/** One chunk, encoded: length, type, data, CRC. */
export function encodeChunk(type: string, data: Uint8Array): Buffer {
  if (!/^[A-Za-z]{4}$/.test(type)) throw new Error(`bad PNG chunk type "${type}"`);
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "latin1");
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

function isLatin1(text: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /^[\u0000-\u00ff]*$/.test(text);
}

/**
 * A text chunk: tEXt (keyword NUL text, Latin-1) when the text is Latin-1, else iTXt
 * (keyword NUL, compression flag 0, method 0, empty language tag NUL, empty translated keyword NUL,
 * UTF-8 text) — as Pillow's PngInfo.add_text does, so any prompt survives.
 */
export function textChunk(keyword: string, text: string): Buffer {
  if (!/^[\x20-\x7e\xa1-\xff]{1,79}$/.test(keyword) || keyword.startsWith(" ") || keyword.endsWith(" ")) {
    throw new Error(`bad PNG text keyword "${keyword}"`);
  }
  if (isLatin1(text)) {
    return encodeChunk("tEXt", Buffer.concat([Buffer.from(keyword, "latin1"), Buffer.from([0]), Buffer.from(text, "latin1")]));
  }
  return encodeChunk(
    "iTXt",
    Buffer.concat([Buffer.from(keyword, "latin1"), Buffer.from([0, 0, 0, 0, 0]), Buffer.from(text, "utf8")]),
  );
}

/** Returns a copy of `png` with a text chunk inserted just before the first IDAT. */
export function insertTextChunk(png: Buffer, keyword: string, text: string): Buffer {
  const idat = readChunks(png).find((c) => c.type === "IDAT");
  if (!idat) throw new Error("PNG has no IDAT chunk");
  return Buffer.concat([png.subarray(0, idat.offset), textChunk(keyword, text), png.subarray(idat.offset)]);
}

/** keyword → text of every tEXt and (uncompressed) iTXt chunk. */
export function readTextChunks(png: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  for (const chunk of readChunks(png)) {
    const nul = chunk.data.indexOf(0);
    if (nul < 0) continue;
    const keyword = chunk.data.toString("latin1", 0, nul);
    if (chunk.type === "tEXt") {
      out.set(keyword, chunk.data.toString("latin1", nul + 1));
    } else if (chunk.type === "iTXt" && chunk.data[nul + 1] === 0) {
      // Skip compression flag and method, then the language tag and translated keyword (NUL-ended).
      const lang = chunk.data.indexOf(0, nul + 3);
      const translated = lang < 0 ? -1 : chunk.data.indexOf(0, lang + 1);
      if (translated >= 0) out.set(keyword, chunk.data.toString("utf8", translated + 1));
    }
  }
  return out;
}
