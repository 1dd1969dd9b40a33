/**
 * The tokenizer's vocabulary as xgrammar wants it: every token's string in the tokenizer's own
 * encoding, by id, and how that encoding maps to bytes. Byte-level BPE (GPT-2, the embedded
 * kjv-llama) writes bytes as printable characters (Ġ for a space); SentencePiece-style BPE with
 * byte fallback (Llama, stories260K) writes a space as ▁ and other bytes as <0xNN>. Special tokens
 * are handed over as "" so that the grammar never allows them as text (xgrammar treats an empty
 * token as special); EOS comes back as the stop token, allowed only when the grammar is complete.
 */
import type { TextTokenizer } from "../tokenizer.js";
import type { JsonObject } from "../model-folder.js";

export type VocabularyType = "byte_level" | "byte_fallback" | "raw";

export interface EncodedVocabulary {
  /** Token strings by id, `size` of them ("" for special tokens and ids without a token). */
  readonly tokens: string[];
  readonly type: VocabularyType;
  /** The logits' width: the model may pad its vocabulary past the tokenizer's. */
  readonly size: number;
}

/** Reads the decoder of tokenizer.json to tell the encoding (as xgrammar's own Hugging Face loader does). */
export function vocabularyType(tokenizerJson: JsonObject): VocabularyType {
  const decoder = JSON.stringify(tokenizerJson.decoder ?? null);
  if (decoder.includes('"ByteFallback"')) return "byte_fallback";
  if (decoder.includes('"ByteLevel"')) return "byte_level";
  return "raw";
}

export function encodeVocabulary(tokenizer: TextTokenizer, type: VocabularyType, logitsSize: number): EncodedVocabulary {
  const size = Math.max(logitsSize, tokenizer.vocabularySize);
  const tokens = new Array<string>(size).fill("");
  for (let id = 0; id < tokenizer.vocabularySize; id++) {
    if (tokenizer.specialIds.has(id)) continue;
    tokens[id] = tokenizer.idToToken(id) ?? "";
  }
  return { tokens, type, size };
}
