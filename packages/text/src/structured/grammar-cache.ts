/**
 * Compiles response formats for one model's tokenizer, once each: the tokenizer's vocabulary is
 * handed to xgrammar once, and compiled grammars are kept in a small LRU keyed by the format's text
 * (a server receives the same schema again and again). Engine errors become RiffErrors about
 * `responseFormat` carrying the parser's message.
 */
import { optionError } from "@riff/core";
import type { CompiledGrammar, GrammarCompiler } from "@mlc-ai/web-xgrammar";
import type { TextTokenizer } from "../tokenizer.js";
import type { GrammarSource } from "./response-format.js";
import { encodeVocabulary } from "./vocabulary.js";
import { loadXGrammar, withEngineMessages, type XGrammarModule } from "./xgrammar.js";
import { boundExponents } from "./finite-numbers.js";

/** Compiled grammars kept per model. */
export const GRAMMAR_CACHE_SIZE = 32;

const WHAT: Record<GrammarSource["kind"], string> = {
  json_schema: "the JSON Schema",
  json_object: "the JSON object grammar",
  regex: "the regular expression",
  grammar: "the grammar",
};

export class GrammarCache {
  private engine: Promise<{ xg: XGrammarModule; compiler: GrammarCompiler }> | undefined;
  private readonly compiled = new Map<string, CompiledGrammar>();

  constructor(
    private readonly tokenizer: TextTokenizer,
    /** The logits' width. */
    private readonly vocabSize: number,
  ) {}

  /** The engine, started on first use. */
  async xgrammar(): Promise<XGrammarModule> {
    return (await this.start()).xg;
  }

  async compile(source: GrammarSource): Promise<CompiledGrammar> {
    const key = `${source.kind}\n${source.text}`;
    const hit = this.compiled.get(key);
    if (hit !== undefined) {
      this.compiled.delete(key); // most recently used last
      this.compiled.set(key, hit);
      return hit;
    }
    const { xg, compiler } = await this.start();
    // JSON grammars go through their EBNF text so that numbers stay finite (see finite-numbers.ts).
    const json = async (schema: string, strict: boolean): Promise<CompiledGrammar> => {
      const built = await xg.Grammar.fromJSONSchema(schema, false, -1, undefined, strict);
      try {
        return await compiler.compileGrammar(boundExponents(built.toString()));
      } finally {
        built.dispose();
      }
    };
    const grammar = await withEngineMessages(
      () => {
        switch (source.kind) {
          case "json_schema":
            return json(source.text, true);
          case "json_object":
            return json('{"type":"object"}', false);
          case "regex":
            return compiler.compileStructuralTag({ type: "regex", pattern: source.text });
          case "grammar":
            return compiler.compileGrammar(source.text);
        }
      },
      (message) => optionError("responseFormat", `{responseFormat}: ${WHAT[source.kind]} does not compile: ${message}`),
    );
    this.compiled.set(key, grammar);
    if (this.compiled.size > GRAMMAR_CACHE_SIZE) {
      const [oldest, evicted] = this.compiled.entries().next().value!;
      this.compiled.delete(oldest);
      evicted.dispose(); // matchers in use hold their own reference
    }
    return grammar;
  }

  /** How many grammars are cached. */
  get size(): number {
    return this.compiled.size;
  }

  async dispose(): Promise<void> {
    for (const grammar of this.compiled.values()) grammar.dispose();
    this.compiled.clear();
    const engine = this.engine;
    this.engine = undefined;
    if (engine !== undefined) (await engine.catch(() => undefined))?.compiler.dispose();
  }

  private start(): Promise<{ xg: XGrammarModule; compiler: GrammarCompiler }> {
    this.engine ??= (async () => {
      const xg = await loadXGrammar();
      const vocabulary = encodeVocabulary(this.tokenizer, this.tokenizer.vocabularyType, this.vocabSize);
      const info = await xg.TokenizerInfo.createTokenizerInfo(vocabulary.tokens, vocabulary.type, false, vocabulary.size);
      try {
        return { xg, compiler: await xg.GrammarCompiler.createGrammarCompiler(info) };
      } finally {
        info.dispose();
      }
    })();
    return this.engine;
  }
}
