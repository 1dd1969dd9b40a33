import { Tokenizer } from "@huggingface/tokenizers";
import { RiffError, checkTokenizerRegexes } from "@riff/core";
import type { JsonObject } from "./model-folder.js";
import { vocabularyType, type VocabularyType } from "./structured/vocabulary.js";

const SPECIAL_TOKEN_KEYS = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"] as const;

/** tokenizer.json (+ tokenizer_config.json) through @huggingface/tokenizers, with the ids riff needs. */
export class TextTokenizer {
  private readonly tokenizer: Tokenizer;
  readonly config: JsonObject;
  readonly bosTokenId: number | undefined;
  readonly eosTokenId: number | undefined;
  /** pad_token, else eos_token (as transformers does). */
  readonly padTokenId: number | undefined;
  /** Ids of the added tokens marked special (skipped when decoding). */
  readonly specialIds: ReadonlySet<number>;
  /** The special tokens by role, as chat templates expect them (bos_token, eos_token, …). */
  readonly specialTokens: Readonly<Record<string, string>>;
  /** One more than the largest token id (vocabulary and added tokens). */
  readonly vocabularySize: number;
  /** How token strings spell bytes (byte-level BPE, byte fallback), for structured output. */
  readonly vocabularyType: VocabularyType;

  constructor(tokenizerJson: JsonObject, tokenizerConfig: JsonObject) {
    checkTokenizerRegexes(tokenizerJson, "tokenizer.json");
    try {
      this.tokenizer = new Tokenizer(tokenizerJson, tokenizerConfig);
    } catch (error) {
      const why = (error instanceof Error ? error.message : String(error)).slice(0, 200);
      throw new RiffError(`tokenizer.json could not be loaded: ${why}`, "model");
    }
    this.config = tokenizerConfig;
    this.vocabularyType = vocabularyType(tokenizerJson);
    const special: Record<string, string> = {};
    for (const key of SPECIAL_TOKEN_KEYS) {
      const content = tokenContent(tokenizerConfig[key]);
      if (content !== undefined) special[key] = content;
    }
    this.specialTokens = special;
    const id = (content: string | undefined): number | undefined =>
      content === undefined ? undefined : this.tokenizer.token_to_id(content);
    this.bosTokenId = id(special.bos_token);
    this.eosTokenId = id(special.eos_token);
    this.padTokenId = id(special.pad_token) ?? this.eosTokenId;
    const ids = new Set<number>();
    let maxId = -1;
    for (const [tokenId, token] of this.tokenizer.get_added_tokens_decoder()) {
      if (token.special) ids.add(tokenId);
      maxId = Math.max(maxId, tokenId);
    }
    for (const tokenId of this.tokenizer.get_vocab(true).values()) maxId = Math.max(maxId, tokenId);
    this.specialIds = ids;
    this.vocabularySize = maxId + 1;
  }

  /** Text → ids; special tokens (e.g. a leading <s>) are added as the tokenizer's post-processor says. */
  encode(text: string, options: { addSpecialTokens?: boolean } = {}): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: options.addSpecialTokens ?? true }).ids;
  }

  /** Ids → text, skipping special tokens unless told otherwise. */
  decode(ids: readonly number[], options: { skipSpecialTokens?: boolean } = {}): string {
    if (ids.length === 0) return "";
    return this.tokenizer.decode(ids as number[], { skip_special_tokens: options.skipSpecialTokens ?? true });
  }

  /** Whether decode() rewrites " ." → "." and similar (tokenizer_config clean_up_tokenization_spaces, default true). */
  get cleansUpSpaces(): boolean {
    const v = this.config.clean_up_tokenization_spaces;
    return typeof v === "boolean" ? v : true;
  }

  tokenToId(token: string): number | undefined {
    return this.tokenizer.token_to_id(token);
  }

  idToToken(id: number): string | undefined {
    return this.tokenizer.id_to_token(id);
  }

  /** The chat template (a Jinja string), when tokenizer_config.json has one. */
  get chatTemplate(): string | Readonly<Record<string, string>> | undefined {
    const t = this.config.chat_template;
    if (typeof t === "string") return t;
    if (Array.isArray(t)) {
      const named: Record<string, string> = {};
      for (const entry of t as unknown[]) {
        if (entry !== null && typeof entry === "object") {
          const { name, template } = entry as { name?: unknown; template?: unknown };
          if (typeof name === "string" && typeof template === "string") named[name] = template;
        }
      }
      return named;
    }
    return undefined;
  }
}

function tokenContent(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (value !== null && typeof value === "object") {
    const content = (value as { content?: unknown }).content;
    if (typeof content === "string") return content;
  }
  return undefined;
}
