/**
 * An OpenAI completions / chat request → riff's prompt and text options. Options go through the
 * text option schema in its HF ("config") vocabulary, which is also the HTTP one, with OpenAI's
 * own names as aliases (max_tokens → max_new_tokens, stop → stop_strings, n → num_return_sequences),
 * so ranges are declared once and errors name the field as the request wrote it.
 */
import { textOptionsSchema, type ChatMessage, type Prompt, type TextGenerationOptions } from "@riff/text";
import { ApiError, badField, toApiError } from "./errors.js";
import { refuseFields, without, type Body } from "./fields.js";

export type TextEndpoint = "completions" | "chat";

/** OpenAI's names for options whose HF name differs. */
const ALIASES: Readonly<Record<string, string>> = {
  max_tokens: "max_new_tokens",
  max_completion_tokens: "max_new_tokens",
  stop: "stop_strings",
  n: "num_return_sequences",
};

/** OpenAI fields riff does not honour yet: refused by name rather than ignored. */
const REFUSED: Readonly<Record<string, string>> = {
  tools: "riff does not call tools",
  tool_choice: "riff does not call tools",
  functions: "riff does not call functions",
  function_call: "riff does not call functions",
  best_of: "use n with sampling",
  echo: "the prompt is not repeated",
  suffix: "riff does not insert text",
};

/** Fields the server reads itself. */
const OWN = ["model", "prompt", "messages", "stream", "stream_options", "user"];

export interface TextRequest {
  readonly prompt: Prompt;
  readonly options: TextGenerationOptions;
  readonly stream: boolean;
  readonly includeUsage: boolean;
  /** Request names → schema names, as used in this request (for re-wording library errors). */
  readonly aliases: Readonly<Record<string, string>>;
}

export function parseTextRequest(endpoint: TextEndpoint, body: Body): TextRequest {
  refuseFields(body, REFUSED);
  const prompt = endpoint === "chat" ? readMessages(body.messages) : readPrompt(body.prompt);
  const stream = body.stream ?? false;
  if (typeof stream !== "boolean") throw badField("stream", `stream must be true or false, got ${JSON.stringify(stream)}`);
  const includeUsage = readStreamOptions(body.stream_options, stream);
  const rest = without(body, OWN);
  // Completions' logprobs is a count of alternatives (0–5); chat's is a boolean with top_logprobs.
  if (endpoint === "completions" && typeof rest.logprobs === "number") {
    if (rest.top_logprobs !== undefined) throw badField("top_logprobs", "top_logprobs is a chat field; /v1/completions takes logprobs: n");
    const n = rest.logprobs;
    rest.logprobs = true;
    rest.top_logprobs = n;
    if (!Number.isInteger(n) || n < 0 || n > 20) throw badField("logprobs", `logprobs must be an integer in [0, 20] or a boolean, got ${JSON.stringify(n)}`);
  }
  const used: Record<string, string> = {};
  for (const name of Object.keys(rest)) if (ALIASES[name] !== undefined) used[name] = ALIASES[name]!;
  for (const name of Object.keys(used)) {
    const other = Object.keys(rest).find((key) => key !== name && (key === used[name] || used[key] === used[name]));
    if (other !== undefined) throw badField(name, `${name} and ${other} name the same option; give one`);
  }
  try {
    const options = textOptionsSchema.parse(rest, "config", { aliases: used }) as TextGenerationOptions;
    return { prompt, options, stream, includeUsage, aliases: { ...used, ...(endpoint === "chat" ? { messages: "prompt" } : {}) } };
  } catch (error) {
    throw toApiError(error);
  }
}

/** A library error about an option, named as this request named it. */
export function textErrorFor(request: Pick<TextRequest, "aliases">, error: unknown): ApiError {
  const api = toApiError(textOptionsSchema.inVocabulary(error, "config", undefined, request.aliases));
  // The chat template's errors are about the messages.
  if (api.param === "chat" && request.aliases.messages !== undefined) return new ApiError(api.status, `messages: ${api.message}`, "messages", api.code, api.type);
  return api;
}

function readPrompt(prompt: unknown): Prompt {
  if (typeof prompt === "string") {
    if (prompt === "") throw badField("prompt", "prompt must not be empty");
    return prompt;
  }
  if (Array.isArray(prompt) && prompt.length > 0 && prompt.every((id) => Number.isInteger(id) && (id as number) >= 0)) return { ids: prompt as number[] };
  if (Array.isArray(prompt) && prompt.length === 1) return readPrompt(prompt[0]);
  if (Array.isArray(prompt) && prompt.length > 1) throw badField("prompt", "prompt: one prompt per request (a string, [string] or token ids)");
  throw badField("prompt", `prompt must be a non-empty string or token ids, got ${prompt === undefined ? "nothing" : JSON.stringify(prompt).slice(0, 80)}`);
}

const ROLES = new Set(["system", "developer", "user", "assistant"]);

function readMessages(messages: unknown): ChatMessage[] {
  if (!Array.isArray(messages) || messages.length === 0) throw badField("messages", "messages must be a non-empty list of {role, content}");
  return messages.map((message: unknown, i) => {
    const m = message as { role?: unknown; content?: unknown } | null;
    if (m === null || typeof m !== "object") throw badField(`messages[${i}]`, `messages[${i}] must be an object {role, content}`);
    if (typeof m.role !== "string" || !ROLES.has(m.role)) {
      throw badField(`messages[${i}].role`, `messages[${i}].role must be one of ${[...ROLES].join(", ")}, got ${JSON.stringify(m.role)}`);
    }
    const role = m.role === "developer" ? "system" : m.role;
    if (typeof m.content === "string") return { role, content: m.content };
    if (Array.isArray(m.content) && m.content.every((p: { type?: unknown; text?: unknown }) => p?.type === "text" && typeof p.text === "string")) {
      return { role, content: (m.content as Array<{ text: string }>).map((p) => p.text).join("") };
    }
    throw badField(`messages[${i}].content`, `messages[${i}].content must be a string or a list of text parts`);
  });
}

function readStreamOptions(value: unknown, stream: boolean): boolean {
  if (value === undefined || value === null) return false;
  if (!stream) throw badField("stream_options", "stream_options needs stream: true");
  const v = value as { include_usage?: unknown } | null;
  if (typeof v !== "object" || Object.keys(v!).some((k) => k !== "include_usage") || (v!.include_usage !== undefined && typeof v!.include_usage !== "boolean")) {
    throw badField("stream_options", "stream_options must be {include_usage: boolean}");
  }
  return v!.include_usage === true;
}
