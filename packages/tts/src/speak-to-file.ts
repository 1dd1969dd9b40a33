import { WavStreamWriter, type WavResult } from "./audio/wav-writer.js";
import { RiffError, optionError } from "@riff/core";
import { speechToFileOptionsSchema } from "./speech-options.js";
import { speechWavInfo } from "./speech-wav.js";
import { checkSpeechText, speak, type SpeakOptions, type SpeakSummary, type SpeechChunk } from "./speak.js";

export interface SpeakToFileOptions extends SpeakOptions {
  /** Called after each chunk is on disk (bytesWritten counts the temp file so far). */
  readonly onChunk?: (chunk: SpeechChunk, bytesWritten: number) => void;
}

export interface SpeakToFileResult extends SpeakSummary {
  readonly file: WavResult;
  /** Milliseconds from the start until the first chunk was written to disk. */
  readonly firstChunkWrittenMs: number;
}

/**
 * Speaks `text` into a WAV at `out`, chunk by chunk (sentences, or their parts): each chunk is appended to a temp file
 * beside `out` as soon as it is made, and the file is renamed onto `out` only when everything
 * succeeded. On any error the temp file is removed and `out` is left as it was.
 */
export async function speakToFile(text: string, out: string, options: SpeakToFileOptions): Promise<SpeakToFileResult> {
  checkSpeechText(text);
  if (typeof out !== "string" || out === "") throw optionError("out", `{out} must be a file path, got ${out === null ? "null" : JSON.stringify(out)}`);
  const start = performance.now();
  speechToFileOptionsSchema.parse(options, "library");
  if (options.voice === undefined) throw optionError("voice", "{voice} is required: load one with loadVoice()");
  const writer = await WavStreamWriter.create(out, {
    sampleRate: options.voice.sampleRate,
    info: speechWavInfo(text),
  });
  let firstChunkWrittenMs = 0;
  try {
    const stream = speak(text, options);
    for (;;) {
      const next = await stream.next();
      if (next.done) {
        // Aborted after the last chunk: the file is not moved into place either.
        if (options.signal?.aborted) throw new RiffError("speech synthesis was aborted");
        const file = await writer.finish();
        return { ...next.value, file, firstChunkWrittenMs };
      }
      await writer.write(next.value.pcm);
      if (next.value.index === 0 && next.value.part === 0) firstChunkWrittenMs = performance.now() - start;
      options.onChunk?.(next.value, writer.bytesWritten);
    }
  } catch (error) {
    await writer.abort();
    throw error;
  }
}
