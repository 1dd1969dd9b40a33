import { pcmBytes as pcmBytesOf } from "@riff/tts";

/** 16-bit samples as little-endian bytes (tts's pcmBytes, what `riff speak` writes), as a Buffer. */
export function pcmBytes(pcm: Int16Array): Buffer {
  const bytes = pcmBytesOf(pcm);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
