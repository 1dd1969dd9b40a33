import { wavHeader } from "@riff/tts";

/** Where the RIFF chunk's size sits in the header. */
const RIFF_SIZE_OFFSET = 4;

/**
 * The header of a 16-bit mono PCM WAV whose length is not known yet (streamed over HTTP): the very
 * header `riff speak` writes (tts's wavHeader), with the RIFF and data sizes at 0xFFFFFFFF, which
 * players read as "until the end of the stream".
 */
export function streamingWavHeader(sampleRate: number): Buffer {
  const header = Buffer.from(wavHeader(sampleRate));
  header.writeUInt32LE(0xffffffff, RIFF_SIZE_OFFSET);
  // The header ends with the data chunk's id and size.
  header.writeUInt32LE(0xffffffff, header.length - 4);
  return header;
}

/** 16-bit samples as little-endian bytes. */
export function pcmBytes(pcm: Int16Array): Buffer {
  const bytes = Buffer.alloc(pcm.length * 2);
  for (let i = 0; i < pcm.length; i++) bytes.writeInt16LE(pcm[i]!, i * 2);
  return bytes;
}
