/**
 * POST /v1/completions and /v1/chat/completions: one request → a generation on the served text
 * model, answered in OpenAI's shapes, whole or as server-sent events ending in `data: [DONE]`.
 * Errors before the first token are HTTP errors; after it, an error event ends the stream.
 */
import { randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ChosenTokenLogprobs } from "@riff/core";
import type { GenerationResult, TextDelta, TextModel, TextStopReason } from "@riff/text";
import { bodyObject, checkModel } from "./fields.js";

import type { ModelQueue } from "./queue.js";
import type { TextBatch } from "./text-engines.js";
import type { ServerMetrics } from "./metrics.js";
import { requestSignal } from "./request-signal.js";
import { parseTextRequest, textErrorFor, type TextEndpoint, type TextRequest } from "./text-request.js";

export interface TextService {
  readonly id: string;
  readonly model: TextModel;
  /**
   * Every text request generates in a continuous batch (beam search and drafting run alone): the
   * server's own, or a worker copy's (see TextEngines).
   */
  readonly batch: TextBatch;
  /** Admission: at most --max-batch requests in the batch, --max-queue waiting. */
  readonly queue: ModelQueue;
}

export interface TextRouteContext {
  readonly text: TextService | undefined;
  readonly metrics: ServerMetrics;
  readonly timeoutMs: number;
}

function finishReason(reason: TextStopReason): "stop" | "length" {
  return reason === "length" ? "length" : "stop";
}

export function registerTextRoutes(app: FastifyInstance, context: TextRouteContext): void {
  for (const [url, endpoint] of [["/v1/completions", "completions"], ["/v1/chat/completions", "chat"]] as const) {
    app.post(url, async (request, reply) => serveText(endpoint, request, reply, context));
  }
}

async function serveText(endpoint: TextEndpoint, request: FastifyRequest, reply: FastifyReply, context: TextRouteContext): Promise<unknown> {
  const started = performance.now();
  const body = bodyObject(request.body);
  checkModel(body, context.text?.id, "text");
  const { model, batch, queue, id: modelId } = context.text!;
  const parsed = parseTextRequest(endpoint, body);
  const { signal, error: abortError } = requestSignal(reply, context.timeoutMs);
  const shape = new Shapes(endpoint, modelId, model);

  await queue.acquire(signal);
  context.metrics.batchSize.observe(queue.active);
  let released = false;
  const release = (): void => {
    if (!released) queue.release();
    released = true;
  };
  const finished = (result: GenerationResult): void => {
    context.metrics.tokens.inc(result.sequences.reduce((n, s) => n + s.tokenCount, 0));
    context.metrics.promptTokens.inc(result.promptTokens);
    if (result.tokensPerSecond > 0) context.metrics.tokensPerSecond.set(result.tokensPerSecond);
    if (result.stopReason === "aborted") context.metrics.aborted.inc({ model: modelId });
  };

  if (!parsed.stream) {
    try {
      const result = await batch.generate(parsed.prompt, { ...parsed.options, signal });
      finished(result);
      if (result.stopReason === "aborted") throw abortError();
      return shape.whole(result);
    } catch (error) {
      throw textErrorFor(parsed, error);
    } finally {
      release();
    }
  }

  const stream = batch.stream(parsed.prompt, { ...parsed.options, signal });
  // Counted when the generation ends, read or not: a client that left may never read its end.
  stream.result.then(finished, () => undefined);
  const deltas = stream[Symbol.asyncIterator]();
  let first: IteratorResult<TextDelta, void>;
  try {
    // The options are resolved against the model on the first step: their errors are still a 400.
    first = await deltas.next();
  } catch (error) {
    release();
    throw textErrorFor(parsed, error);
  }
  context.metrics.timeToFirstToken.observe((performance.now() - started) / 1000);
  async function* events(): AsyncGenerator<string> {
    try {
      if (endpoint === "chat") yield shape.event(shape.chunk({ role: "assistant", content: "" }, null));
      for (let next = first; !next.done; next = await deltas.next()) {
        const { text, logprobs } = next.value;
        if (logprobs !== undefined) yield shape.event(shape.chunk({ content: text }, null, logprobs));
        else if (text !== "") yield shape.textEvent(text);
      }
      const result = await stream.result;
      if (result.stopReason === "aborted") {
        yield shape.event(abortError().body());
        return;
      }
      yield shape.event(shape.chunk({}, finishReason(result.stopReason)));
      if (parsed.includeUsage) yield shape.event({ ...shape.chunk({}, null), choices: [], usage: usage(result) });
      yield "data: [DONE]\n\n";
    } catch (error) {
      yield shape.event(textErrorFor(parsed, error).body());
    } finally {
      await deltas.return?.();
      release();
    }
  }
  void reply.header("content-type", "text/event-stream; charset=utf-8").header("cache-control", "no-cache").header("x-accel-buffering", "no");
  return reply.send(Readable.from(events(), { objectMode: false }));
}

function usage(result: GenerationResult): { prompt_tokens: number; completion_tokens: number; total_tokens: number } {
  const completion = result.sequences.reduce((n, s) => n + s.tokenCount, 0);
  return { prompt_tokens: result.promptTokens, completion_tokens: completion, total_tokens: result.promptTokens + completion };
}

/** OpenAI's response objects for one request. */
class Shapes {
  readonly id: string;
  readonly created = Math.floor(Date.now() / 1000);
  /** The JSON of a text chunk before and after its text (see textEvent). */
  private textFrame: readonly [string, string] | undefined;

  constructor(
    readonly endpoint: TextEndpoint,
    readonly modelId: string,
    readonly model: TextModel,
  ) {
    this.id = `${endpoint === "chat" ? "chatcmpl" : "cmpl"}-${randomUUID()}`;
  }

  event(data: unknown): string {
    return `data: ${JSON.stringify(data)}\n\n`;
  }

  /** The event of a text delta without logprobs, from its JSON cut around the text: one small stringify per token. */
  textEvent(text: string): string {
    this.textFrame ??= this.frame();
    return `${this.textFrame[0]}${JSON.stringify(text)}${this.textFrame[1]}`;
  }

  /** event(chunk({content: text}, null)) split where the text's JSON string goes. */
  private frame(): readonly [string, string] {
    const marker = "\u0000riff\u0000";
    const [before, after, ...more] = this.event(this.chunk({ content: marker }, null)).split(JSON.stringify(marker));
    if (before === undefined || after === undefined || more.length > 0) throw new Error("the chunk's JSON holds the text marker twice");
    return [before, after];
  }

  whole(result: GenerationResult): unknown {
    const chat = this.endpoint === "chat";
    const choices = result.sequences.map((s, index) =>
      chat
        ? { index, message: { role: "assistant", content: s.text, refusal: null }, logprobs: this.logprobs(s.logprobs), finish_reason: finishReason(s.stopReason) }
        : { index, text: s.text, logprobs: this.logprobs(s.logprobs), finish_reason: finishReason(s.stopReason) },
    );
    return { id: this.id, object: chat ? "chat.completion" : "text_completion", created: this.created, model: this.modelId, choices, usage: usage(result) };
  }

  chunk(delta: { role?: string; content?: string }, finish: string | null, logprobs?: readonly ChosenTokenLogprobs[]): { choices: unknown[] } & Record<string, unknown> {
    const chat = this.endpoint === "chat";
    const choice = chat
      ? { index: 0, delta, logprobs: this.logprobs(logprobs), finish_reason: finish }
      : { index: 0, text: delta.content ?? "", logprobs: this.logprobs(logprobs), finish_reason: finish };
    return { id: this.id, object: chat ? "chat.completion.chunk" : "text_completion", created: this.created, model: this.modelId, choices: [choice] };
  }

  /** Chat: {content: [{token, logprob, bytes, top_logprobs}]}; completions: {tokens, token_logprobs, top_logprobs}. */
  logprobs(list: readonly ChosenTokenLogprobs[] | undefined): unknown {
    if (list === undefined) return null;
    const text = (id: number): string => this.model.decode([id]);
    const bytes = (id: number): number[] => [...Buffer.from(text(id), "utf8")];
    if (this.endpoint === "chat") {
      return {
        content: list.map((t) => ({
          token: text(t.token),
          logprob: t.logprob,
          bytes: bytes(t.token),
          top_logprobs: t.top.map((a) => ({ token: text(a.token), logprob: a.logprob, bytes: bytes(a.token) })),
        })),
      };
    }
    return {
      tokens: list.map((t) => text(t.token)),
      token_logprobs: list.map((t) => t.logprob),
      top_logprobs: list.map((t) => Object.fromEntries(t.top.map((a) => [text(a.token), a.logprob]))),
      text_offset: [],
    };
  }
}

