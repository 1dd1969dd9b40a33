import { statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import wavefile from "wavefile";
import { AtomicFile, RiffError } from "@riff/core";

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

export interface WavWriterOptions {
  readonly sampleRate: number;
  readonly info?: WavInfo;
}

export interface WavResult {
  readonly path: string;
  readonly samples: number;
  readonly bytes: number;
}

const MAX_TAG_CHARS = 65536;

/**
 * Writes a 16-bit PCM mono WAV incrementally, so audio reaches the disk as it is made:
 *
 * 1. create() writes the RIFF/fmt/data header (built by wavefile) to a temp file beside the
 *    target (core's AtomicFile: exclusive create, unpredictable name), with the RIFF and data sizes still 0;
 * 2. write() appends PCM;
 * 3. finish() appends the LIST/INFO chunk (also built by wavefile), patches the two sizes in the
 *    header, closes and renames the temp file onto the target.
 *
 * abort() (or core's cleanupTempFiles(), which the CLI calls on a signal or exit) deletes the temp
 * file, so a failed or interrupted run leaves no partial WAV.
 */
export class WavStreamWriter {
  readonly path: string;
  readonly tempPath: string;
  readonly sampleRate: number;
  private file: AtomicFile | undefined;
  private readonly info: WavInfo;
  private readonly riffSizeOffset = 4;
  private readonly dataSizeOffset: number;
  private position: number;
  private samples = 0;

  private constructor(file: AtomicFile, options: WavWriterOptions, header: Uint8Array, dataSizeOffset: number) {
    this.path = file.path;
    this.tempPath = file.tempPath;
    this.file = file;
    this.sampleRate = options.sampleRate;
    this.info = options.info ?? {};
    this.dataSizeOffset = dataSizeOffset;
    this.position = header.length;
  }

  /** Opens the temp file and writes the header. An unwritable target is a RiffError naming it. */
  static async create(path: string, options: WavWriterOptions): Promise<WavStreamWriter> {
    const target = resolve(path);
    if (!Number.isInteger(options.sampleRate) || options.sampleRate <= 0) {
      throw new RangeError(`sampleRate must be a positive integer, got ${options.sampleRate}`);
    }
    checkTarget(target, path);
    const file = await AtomicFile.open(target, { option: "out" });
    const header = headerBytes(options.sampleRate);
    const dataSizeOffset = chunkOffset(header, "data") + 4;
    const writer = new WavStreamWriter(file, options, header, dataSizeOffset);
    await file.write(header, 0); // removes the temp file itself on failure
    return writer;
  }

  get samplesWritten(): number {
    return this.samples;
  }

  /** Bytes in the temp file so far. */
  get bytesWritten(): number {
    return this.position;
  }

  /** Appends 16-bit samples. */
  async write(pcm: Int16Array): Promise<void> {
    const file = this.openFile();
    const bytes = new Uint8Array(pcm.length * 2);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < pcm.length; i++) view.setInt16(i * 2, pcm[i]!, true);
    await file.write(bytes, this.position);
    this.position += bytes.length;
    this.samples += pcm.length;
  }

  /** Adds the INFO chunk, fixes the sizes and moves the file into place. */
  async finish(): Promise<WavResult> {
    const file = this.openFile();
    const dataBytes = this.samples * 2;
    if (dataBytes > 0xffffffff - 1024 * 1024) {
      await this.abort();
      throw new RiffError(`the audio is too long for one WAV file (${this.samples} samples)`);
    }
    // Each step removes the temp file itself when it fails.
    const list = listChunk(this.sampleRate, this.info);
    await file.write(list, this.position);
    this.position += list.length;
    const size = new Uint8Array(4);
    const view = new DataView(size.buffer);
    view.setUint32(0, dataBytes, true);
    await file.write(size, this.dataSizeOffset);
    view.setUint32(0, this.position - 8, true);
    await file.write(size, this.riffSizeOffset);
    this.file = undefined;
    await file.commit({ fsync: true });
    return { path: this.path, samples: this.samples, bytes: this.position };
  }

  /** Closes and deletes the temp file; the target is left untouched. Safe to call twice. */
  async abort(): Promise<void> {
    const file = this.file;
    this.file = undefined;
    await file?.abort();
  }

  private openFile(): AtomicFile {
    if (this.file === undefined) throw new Error(`${this.path}: the WAV writer is closed`);
    return this.file;
  }
}

function checkTarget(target: string, given: string): void {
  let stat;
  try {
    stat = statSync(dirname(target));
  } catch {
    throw new RiffError(`cannot write ${given}: the folder ${dirname(target)} does not exist`, "out");
  }
  if (!stat.isDirectory()) throw new RiffError(`cannot write ${given}: ${dirname(target)} is not a folder`, "out");
  try {
    if (statSync(target).isDirectory()) throw new RiffError(`cannot write ${given}: it is a folder`, "out");
  } catch (error) {
    if (error instanceof RiffError) throw error;
  }
}

/** RIFF + fmt (16-bit PCM mono) + an empty data chunk, as wavefile writes them. */
/**
 * The RIFF/fmt/data header of a 16-bit PCM mono WAV with no samples yet (built by wavefile; its two
 * sizes 0): what WavStreamWriter writes first, and what a streamed WAV (riff serve) starts with.
 */
export function wavHeader(sampleRate: number): Uint8Array {
  return headerBytes(sampleRate);
}

function headerBytes(sampleRate: number): Uint8Array {
  const wav = new WaveFile();
  wav.fromScratch(1, sampleRate, "16", new Int16Array(0));
  const bytes = wav.toBuffer();
  const data = chunkOffset(bytes, "data");
  return bytes.slice(0, data + 8);
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
  return bytes.slice(list);
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
