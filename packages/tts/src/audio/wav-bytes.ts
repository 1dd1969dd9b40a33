/**
 * The bytes of riff's WAV files (16-bit PCM mono), built with wavefile: one header for every
 * writer and stream, and the PCM after it.
 */
import wavefile from "wavefile";

const { WaveFile } = wavefile;

/** Text stored in the WAV's LIST/INFO chunk. */
export interface WavInfo {
  /** INAM (title): e.g. the first words of the text. */
  readonly title?: string;
  /** ICMT (comment): e.g. the whole text. Cut to 64 KiB. */
  readonly comment?: string;
  /** ISFT (software). */
  readonly software?: string;
}

const MAX_TAG_CHARS = 65536;
/** The most PCM one WAV holds (its sizes are 32-bit), leaving room for the header. */
export const MAX_WAV_DATA_BYTES = 0xffffffff - 1024 * 1024;

/**
 * The header of a 16-bit PCM mono WAV: RIFF, fmt and the LIST/INFO chunk (built by wavefile), then
 * the data chunk's id and size, the samples to follow. The one header riff writes: `riff speak`'s
 * file (WavStreamWriter, once the length is known) and a streamed WAV (riff serve, riff speak
 * --out -): with `samples` the two sizes are exact; without (a stream whose length is not known
 * before it ends) both are 0xFFFFFFFF, which players read as "until the end of the stream".
 */
export function wavHeader(sampleRate: number, options: { readonly samples?: number | undefined; readonly info?: WavInfo } = {}): Uint8Array {
  const wav = new WaveFile();
  wav.fromScratch(1, sampleRate, "16", new Int16Array(0));
  const bytes = wav.toBuffer();
  const fmtEnd = chunkOffset(bytes, "data");
  const list = listChunk(sampleRate, options.info ?? {});
  const header = new Uint8Array(fmtEnd + list.length + 8);
  header.set(bytes.subarray(0, fmtEnd), 0);
  header.set(list, fmtEnd);
  header.set(bytes.subarray(fmtEnd, fmtEnd + 4), fmtEnd + list.length); // "data"
  const view = new DataView(header.buffer);
  const { samples } = options;
  if (samples !== undefined && !(Number.isInteger(samples) && samples >= 0 && samples * 2 <= MAX_WAV_DATA_BYTES)) {
    throw new RangeError(`samples must be an integer in [0, ${MAX_WAV_DATA_BYTES / 2}], got ${samples}`);
  }
  view.setUint32(4, samples === undefined ? 0xffffffff : header.length - 8 + samples * 2, true);
  view.setUint32(header.length - 4, samples === undefined ? 0xffffffff : samples * 2, true);
  return header;
}

/** 16-bit samples as little-endian bytes. */
export function pcmBytes(pcm: Int16Array): Uint8Array {
  const bytes = new Uint8Array(pcm.length * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < pcm.length; i++) view.setInt16(i * 2, pcm[i]!, true);
  return bytes;
}

/** The LIST/INFO chunk wavefile writes for these tags (empty when there are none). */
function listChunk(sampleRate: number, info: WavInfo): Uint8Array {
  const tags: [string, string | undefined][] = [
    ["INAM", info.title],
    ["ICMT", info.comment],
    ["ISFT", info.software],
  ];
  const present = tags.filter((t): t is [string, string] => t[1] !== undefined && t[1] !== "");
  if (present.length === 0) return new Uint8Array(0);
  const wav = new WaveFile();
  wav.fromScratch(1, sampleRate, "16", new Int16Array(0));
  for (const [tag, value] of present) wav.setTag(tag, cleanTag(value));
  const bytes = wav.toBuffer();
  const list = chunkOffset(bytes, "LIST");
  const size = new DataView(bytes.buffer, bytes.byteOffset).getUint32(list + 4, true);
  return bytes.slice(list, list + 8 + size + (size % 2));
}

function cleanTag(value: string): string {
  // eslint-disable-next-line no-control-regex
  const text = value.replace(/[\u0000-\u0008\u000B-\u001F]/g, " ");
  return text.length > MAX_TAG_CHARS ? `${text.slice(0, MAX_TAG_CHARS - 1)}…` : text;
}

/** Byte offset of the chunk `id` in a RIFF file (walking the chunk list from byte 12). */
function chunkOffset(bytes: Uint8Array, id: string): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const name = String.fromCharCode(bytes[offset]!, bytes[offset + 1]!, bytes[offset + 2]!, bytes[offset + 3]!);
    if (name === id) return offset;
    const size = view.getUint32(offset + 4, true);
    offset += 8 + size + (size % 2);
  }
  throw new Error(`wavefile wrote no "${id}" chunk`);
}
