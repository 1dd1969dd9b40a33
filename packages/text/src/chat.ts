import { Template } from "@huggingface/jinja";
import { RiffError } from "@riff/core";
import type { TextTokenizer } from "./tokenizer.js";

/** One turn of a conversation, as chat templates expect it. */
export interface ChatMessage {
  readonly role: "system" | "user" | "assistant" | (string & {});
  readonly content: string;
}

const compiled = new WeakMap<TextTokenizer, Map<string, Template>>();

/**
 * Renders messages with the model's chat template (tokenizer_config.json chat_template, Jinja),
 * ending with the assistant's turn opened (add_generation_prompt), and tokenizes the result without
 * adding special tokens again (the template writes them), as transformers does.
 */
export function applyChatTemplate(tokenizer: TextTokenizer, messages: readonly ChatMessage[]): number[] {
  return tokenizer.encode(renderChat(tokenizer, messages), { addSpecialTokens: false });
}

export function renderChat(tokenizer: TextTokenizer, messages: readonly ChatMessage[]): string {
  if (messages.length === 0) throw new RiffError("chat needs at least one message", "chat");
  for (const m of messages) {
    if (typeof m.role !== "string" || typeof m.content !== "string") {
      throw new RiffError("chat messages must be {role: string, content: string}", "chat");
    }
  }
  const source = pickTemplate(tokenizer.chatTemplate);
  let cache = compiled.get(tokenizer);
  if (cache === undefined) compiled.set(tokenizer, (cache = new Map()));
  let template = cache.get(source);
  if (template === undefined) {
    try {
      template = new Template(source);
    } catch (error) {
      throw new RiffError(`the model's chat template could not be parsed: ${message(error)}`, "chat");
    }
    cache.set(source, template);
  }
  try {
    return template.render({
      messages: messages.map((m) => ({ role: m.role, content: m.content })),
      add_generation_prompt: true,
      ...tokenizer.specialTokens,
    });
  } catch (error) {
    throw new RiffError(`the model's chat template failed: ${message(error)}`, "chat");
  }
}

function pickTemplate(template: string | Readonly<Record<string, string>> | undefined): string {
  if (typeof template === "string") return template;
  if (template !== undefined && typeof template.default === "string") return template.default;
  throw new RiffError(
    template === undefined
      ? "this model has no chat template (tokenizer_config.json chat_template); use a plain prompt"
      : `this model has several chat templates and none named "default" (${Object.keys(template).join(", ")})`,
    "chat",
  );
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
