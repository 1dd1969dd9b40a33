import { statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { AtomicFile, RiffError } from "@riff/core";
import { MAX_WAV_DATA_BYTES, pcmBytes, wavHeader, type WavInfo } from "./wav-bytes.js";

export type { WavInfo };

export interface WavWriterOptions {
  readonly sampleRate: number;
  readonly info?: WavInfo;
}

export interface WavResult {
  readonly path: string;
  readonly samples: number;
  readonly bytes: number;
}

/**
 * Writes a 16-bit PCM mono WAV incrementally, so audio reaches the disk as it is made:
 *
 * 1. create() writes the header (wav-bytes.ts: RIFF, fmt, LIST/INFO, data) to a temp file beside
 *    the target (core's AtomicFile: exclusive create, unpredictable name), with the RIFF and data sizes still 0;
 * 2. write() appends PCM;
 * 3. finish() writes the header again with the sizes now known, closes and renames the temp file
 *    onto the target. The file is wavHeader(rate, { samples, info }) + PCM: what a stream that knew
 *    its length from the start sends (riff serve).
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
  private position: number;
  private samples = 0;

  private constructor(file: AtomicFile, options: WavWriterOptions, header: Uint8Array) {
    this.path = file.path;
    this.tempPath = file.tempPath;
    this.file = file;
    this.sampleRate = options.sampleRate;
    this.info = options.info ?? {};
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
    const header = wavHeader(options.sampleRate, { samples: 0, info: options.info ?? {} });
    const writer = new WavStreamWriter(file, options, header);
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
    const bytes = pcmBytes(pcm);
    await file.write(bytes, this.position);
    this.position += bytes.length;
    this.samples += pcm.length;
  }

  /** Writes the sizes into the header and moves the file into place. */
  async finish(): Promise<WavResult> {
    const file = this.openFile();
    if (this.samples * 2 > MAX_WAV_DATA_BYTES) {
      await this.abort();
      throw new RiffError(`the audio is too long for one WAV file (${this.samples} samples)`);
    }
    // Each step removes the temp file itself when it fails.
    await file.write(wavHeader(this.sampleRate, { samples: this.samples, info: this.info }), 0);
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
