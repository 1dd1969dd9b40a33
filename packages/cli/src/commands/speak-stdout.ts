/**
 * `riff speak --out -`: the WAV streamed to stdout as it is made, as riff serve streams it (tts's
 * wavSpeech): for riff's mel voices the bytes `--out FILE.wav` writes; a Piper voice's length is
 * not known before its last sentence, and a pipe cannot be rewound to fill it in, so its header
 * says 0xFFFFFFFF for both sizes ("until the end of the stream"), the rest being the file's bytes.
 */
import { pcmBytes, wavSpeech, type SpeakOptions, type SpeakToFileResult } from "@riff/tts";
import { RiffError } from "@riff/core";
import { writeStdout } from "../stdout.js";

/** Speaks `text` onto stdout; the result reads like speakToFile's, with "-" as the path. */
export async function speakToStdout(text: string, options: SpeakOptions): Promise<SpeakToFileResult> {
  const start = performance.now();
  const { header, chunks: stream } = await wavSpeech(text, options);
  await writeStdout(header);
  let bytes = header.length;
  let firstChunkWrittenMs = 0;
  for (;;) {
    const next = await stream.next();
    if (next.done) {
      if (options.signal?.aborted === true) throw new RiffError("speech synthesis was aborted");
      return { ...next.value, file: { path: "-", samples: next.value.samples, bytes }, firstChunkWrittenMs };
    }
    const data = pcmBytes(next.value.pcm);
    await writeStdout(data);
    bytes += data.length;
    if (next.value.index === 0 && next.value.part === 0) firstChunkWrittenMs = performance.now() - start;
  }
}
