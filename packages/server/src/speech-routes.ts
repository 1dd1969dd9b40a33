/**
 * POST /v1/audio/speech: OpenAI's speech request → the served voice, streamed as it is
 * synthesized (chunked transfer): a WAV (tts's wavSpeech: for riff's mel voices byte for byte the
 * file `riff speak` writes for the same text, options and seed; for Piper voices the same but for
 * the two sizes, 0xFFFFFFFF) or bare PCM. Options go through the speech option schema (HF names).
 */
import { Readable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { MAX_PLANNED_CHARS, hasSpeakableText, resolveSpeaker, speak, speechOptionsSchema, wavSpeech, type SpeechChunk, type Voice } from "@riff/tts";
import { badField, toApiError } from "./errors.js";
import { bodyObject, checkModel, without } from "./fields.js";
import type { ModelQueue } from "./queue.js";
import { requestSignal } from "./request-signal.js";
import { pcmBytes } from "./wav-stream.js";

export interface SpeechService {
  readonly id: string;
  readonly voice: Voice;
  readonly queue: ModelQueue;
}

/** Voice names that mean "the served voice" (OpenAI clients must send one). */
const DEFAULT_VOICES = new Set(["default", "alloy"]);
/** OpenAI's limit, and the longest text wavSpeech plans: every WAV served knows its length first (riff's mel voices). */
const MAX_INPUT_CHARS = MAX_PLANNED_CHARS;

export function registerSpeechRoutes(app: FastifyInstance, context: { speech: SpeechService | undefined; timeoutMs: number }): void {
  app.post("/v1/audio/speech", async (request, reply) => {
    const body = bodyObject(request.body);
    checkModel(body, context.speech?.id, "speech");
    const { voice, queue, id } = context.speech!;
    const input = body.input;
    if (typeof input !== "string" || input.trim() === "") throw badField("input", `input must be a non-empty string, got ${JSON.stringify(input) ?? "nothing"}`);
    if (input.length > MAX_INPUT_CHARS) throw badField("input", `input has ${input.length} characters; at most ${MAX_INPUT_CHARS}`);
    if (!hasSpeakableText(input)) throw badField("input", "input has no words to speak");
    const format = body.response_format ?? "wav";
    if (format !== "wav" && format !== "pcm") throw badField("response_format", `response_format must be "wav" or "pcm", got ${JSON.stringify(format)}`);
    let speaker = body.speaker;
    if (typeof body.voice !== "string") throw badField("voice", `voice must be a string, got ${JSON.stringify(body.voice) ?? "nothing"}`);
    if (body.voice !== id && !DEFAULT_VOICES.has(body.voice)) {
      if (!voice.speakers.has(body.voice)) throw badField("voice", `voice "${body.voice}" is not served; use "${id}"${voice.speakers.size > 0 ? ` or a speaker: ${[...voice.speakers.keys()].join(", ")}` : ""}`);
      speaker ??= body.voice;
    }
    const rest = without(body, ["model", "input", "voice", "response_format", "user", "speaker"]);
    let options;
    try {
      options = { seed: 0, speed: 1, ...speechOptionsSchema.parse(rest, "config"), ...(speaker === undefined ? {} : { speaker: speechOptionsSchema.check("speaker", speaker, "config") }) };
      resolveSpeaker(voice, options.speaker);
    } catch (error) {
      throw toApiError(speechOptionsSchema.inVocabulary(error, "config"));
    }
    const { signal, error: abortError } = requestSignal(reply, context.timeoutMs);
    await queue.acquire(signal);
    let header: Uint8Array | undefined;
    let chunks: AsyncGenerator<SpeechChunk, unknown>;
    let first: IteratorResult<SpeechChunk, unknown>;
    try {
      if (format === "wav") {
        const wav = await wavSpeech(input, { voice, ...options, signal });
        header = wav.header;
        chunks = wav.chunks;
      } else {
        chunks = speak(input, { voice, ...options, signal });
      }
      first = await chunks.next();
    } catch (error) {
      queue.release();
      throw signal.aborted ? abortError() : toApiError(speechOptionsSchema.inVocabulary(error, "config"));
    }
    async function* bytes(): AsyncGenerator<Buffer> {
      try {
        if (header) yield Buffer.from(header.buffer, header.byteOffset, header.byteLength);
        for (let next = first; !next.done; next = await chunks.next()) yield pcmBytes(next.value.pcm);
        if (signal.aborted) throw abortError();
      } finally {
        await chunks.return(undefined as never);
        queue.release();
      }
    }
    void reply
      .header("content-type", format === "wav" ? "audio/wav" : "audio/pcm")
      .header("x-sample-rate", String(voice.sampleRate))
      .header("x-seed", String(options.seed));
    return reply.send(Readable.from(bytes(), { objectMode: false }));
  });
}

