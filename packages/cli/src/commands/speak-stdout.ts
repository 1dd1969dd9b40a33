/**
 * `riff speak --out -`: the WAV streamed to stdout as it is made. A pipe cannot be rewound to fill in
 * the sizes, so the header says 0xFFFFFFFF for both ("until the end of the stream"), as riff serve
 * streams it; the samples are the ones `--out FILE.wav` writes.
 */
import { streamingWavHeader, pcmBytes } from "@riff/server";
import { speak, type SpeakOptions, type SpeakToFileResult } from "@riff/tts";
import { RiffError } from "@riff/core";
import { writeStdout } from "../stdout.js";

/** Speaks `text` onto stdout; the result reads like speakToFile's, with "-" as the path. */
export async function speakToStdout(text: string, options: SpeakOptions): Promise<SpeakToFileResult> {
  const start = performance.now();
  await writeStdout(streamingWavHeader(options.voice.sampleRate));
  let bytes = 44;
  let firstChunkWrittenMs = 0;
  const stream = speak(text, options);
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
