import { existsSync, readFileSync } from "node:fs";
import { Tokenizer } from "@huggingface/tokenizers";
import { RiffError, checkRegularFile, checkTokenizerRegexes, folderFile } from "@riff/core";
import { readJson, type JsonObject } from "./model-files.js";

export interface TokenizedPrompt {
  /** Exactly the tokenizer's `length` ids. */
  readonly ids: number[];
  /** 1 for real tokens, 0 for padding. */
  readonly mask: number[];
  readonly truncated: boolean;
}

/** A prompt tokenizer that always returns exactly `length` ids (truncated or padded). */
export interface PromptTokenizer {
  readonly length: number;
  readonly padId: number;
  encode(text: string): TokenizedPrompt;
}

function tokenName(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "object" && value !== null && typeof (value as { content?: unknown }).content === "string") {
    return (value as { content: string }).content;
  }
  return undefined;
}

/**
 * The tokenizer.json the `tokenizers` library writes for CLIP (openai/clip-vit-*), built from the
 * slow-tokenizer files diffusers folders ship (vocab.json + merges.txt): NFC, whitespace squeeze and
 * lower-casing; CLIP's split regex; byte-level BPE with "</w>" word ends; <|startoftext|> …
 * <|endoftext|> around the ids.
 */
export function clipTokenizerJson(vocab: Record<string, number>, mergesText: string, config: JsonObject): JsonObject {
  const bos = tokenName(config.bos_token) ?? "<|startoftext|>";
  const eos = tokenName(config.eos_token) ?? "<|endoftext|>";
  const unk = tokenName(config.unk_token) ?? eos;
  const merges = mergesText
    .split("\n")
    .filter((line, i) => line.trim() !== "" && !(i === 0 && line.startsWith("#version")));
  const idOf = (token: string): number => {
    const id = vocab[token];
    if (id === undefined) throw new RiffError(`tokenizer vocab.json lacks the special token ${token}`);
    return id;
  };
  const special = [bos, eos].filter((t, i, all) => all.indexOf(t) === i);
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: special.map((content) => ({
      id: idOf(content),
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: true,
      special: true,
    })),
    normalizer: {
      type: "Sequence",
      normalizers: [{ type: "NFC" }, { type: "Replace", pattern: { Regex: "\\s+" }, content: " " }, { type: "Lowercase" }],
    },
    pre_tokenizer: {
      type: "Sequence",
      pretokenizers: [
        {
          type: "Split",
          pattern: {
            Regex: "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+",
          },
          behavior: "Removed",
          invert: true,
        },
        { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: {
      type: "RobertaProcessing",
      sep: [eos, idOf(eos)],
      cls: [bos, idOf(bos)],
      trim_offsets: false,
      add_prefix_space: false,
    },
    decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: unk,
      continuing_subword_prefix: "",
      end_of_word_suffix: "</w>",
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges,
    },
  };
}

/** tokenizer_config.json's model_max_length, when it is a real length (transformers writes 1e30 for "none"). */
export function tokenizerMaxLength(dir: string): number | undefined {
  const path = folderFile(dir, "tokenizer_config.json");
  if (!existsSync(path)) return undefined;
  const value = readJson(path, "tokenizer config").model_max_length;
  return typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= 65536 ? value : undefined;
}

function loadJsonTokenizer(dir: string): { tokenizer: Tokenizer; config: JsonObject } {
  const configPath = folderFile(dir, "tokenizer_config.json");
  const specialPath = folderFile(dir, "special_tokens_map.json");
  const config: JsonObject = {
    ...(existsSync(specialPath) ? readJson(specialPath, "special tokens map") : {}),
    ...(existsSync(configPath) ? readJson(configPath, "tokenizer config") : {}),
  };
  const jsonPath = folderFile(dir, "tokenizer.json");
  const vocabPath = folderFile(dir, "vocab.json");
  const mergesPath = folderFile(dir, "merges.txt");
  let spec: JsonObject;
  if (existsSync(jsonPath)) {
    spec = readJson(jsonPath, "tokenizer");
    checkTokenizerRegexes(spec, jsonPath);
  } else if (existsSync(vocabPath) && existsSync(mergesPath)) {
    const vocab = readJson(vocabPath, "tokenizer vocab") as Record<string, number>;
    checkRegularFile(mergesPath, "tokenizer merges", "model");
    spec = clipTokenizerJson(vocab, readFileSync(mergesPath, "utf8"), config);
  } else {
    throw new RiffError(`${dir} has neither tokenizer.json nor vocab.json + merges.txt`, "model");
  }
  try {
    return { tokenizer: new Tokenizer(spec, config), config };
  } catch (error) {
    const why = (error instanceof Error ? error.message : String(error)).slice(0, 200);
    throw new RiffError(`${dir}: cannot build the tokenizer: ${why}`, "model");
  }
}

function sameIds(a: readonly number[], b: readonly number[], at: number): boolean {
  for (let i = 0; i < b.length; i++) if (a[at + i] !== b[i]) return false;
  return true;
}

/**
 * Loads tokenizer/ and fixes the id count to `length` (the text encoder's sequence length).
 * Padding: pad_token of tokenizer_config.json / special_tokens_map.json (CLIP in SD 1.x pads with
 * <|endoftext|>, SD 2.x with "!"), else the eos token, else id 0. Truncation keeps the special
 * tokens the post-processor adds (CLIP's <|endoftext|> stays last), like transformers does.
 */
export function loadPromptTokenizer(dir: string, length: number): PromptTokenizer {
  const { tokenizer, config } = loadJsonTokenizer(dir);
  const padName = tokenName(config.pad_token) ?? tokenName(config.eos_token);
  const padId = (padName !== undefined ? tokenizer.token_to_id(padName) : undefined) ?? 0;
  return {
    length,
    padId,
    encode(text: string) {
      const full = tokenizer.encode(text).ids;
      let ids = full;
      let truncated = false;
      if (full.length > length) {
        truncated = true;
        const plain = tokenizer.encode(text, { add_special_tokens: false }).ids;
        let prefix = 0;
        while (prefix + plain.length <= full.length && !sameIds(full, plain, prefix)) prefix++;
        if (prefix + plain.length > full.length) {
          ids = full.slice(0, length);
        } else {
          const suffix = full.length - prefix - plain.length;
          const keep = Math.max(0, length - prefix - suffix);
          ids = [...full.slice(0, prefix), ...plain.slice(0, keep), ...full.slice(full.length - suffix)].slice(0, length);
        }
      }
      const out = ids.slice();
      const mask = out.map(() => 1);
      while (out.length < length) {
        out.push(padId);
        mask.push(0);
      }
      return { ids: out, mask, truncated };
    },
  };
}
