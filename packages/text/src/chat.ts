import { RiffError } from "@riff/core";
import { renderTemplate } from "./template-sandbox.js";
import type { TextTokenizer } from "./tokenizer.js";

/** One turn of a conversation, as chat templates expect it. */
export interface ChatMessage {
  readonly role: "system" | "user" | "assistant" | (string & {});
  readonly content: string;
}

/**
 * Renders messages with the model's chat template (chat_template.jinja, else tokenizer_config.json
 * chat_template; Jinja),
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
  return renderTemplate(pickTemplate(tokenizer.chatTemplate), {
    messages: messages.map((m) => ({ role: m.role, content: m.content })),
    add_generation_prompt: true,
    ...tokenizer.specialTokens,
  });
}

function pickTemplate(template: string | Readonly<Record<string, string>> | undefined): string {
  if (typeof template === "string") return template;
  if (template !== undefined && typeof template.default === "string") return template.default;
  throw new RiffError(
    template === undefined
      ? "this model has no chat template (chat_template.jinja or tokenizer_config.json chat_template); use a plain prompt"
      : `this model has several chat templates and none named "default" (${Object.keys(template).join(", ")})`,
    "chat",
  );
}
