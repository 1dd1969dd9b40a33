/**
 * The mask's own cost per token, timed apart from the forward pass: a run's tokens replayed through
 * the same RowConstraints the loop uses (mask of the step, applied to a row of logits, the token
 * accepted). On a shared machine this is steadier than the difference of two runs' step times,
 * which another process's millisecond swamps. Reads riff's build output (dist), as the bench does.
 */
import { readModelFolder, TextTokenizer } from "../packages/text/dist/index.js";
import { RowConstraints } from "../packages/text/dist/structured/constraint.js";
import { GrammarCache } from "../packages/text/dist/structured/grammar-cache.js";

export interface MaskReplay {
  /** Milliseconds of mask work per token for each run replayed. */
  msPerToken(tokens: readonly number[]): Promise<number>;
  dispose(): Promise<void>;
}

export async function maskReplay(dir: string, schema: unknown): Promise<MaskReplay> {
  const folder = readModelFolder(dir);
  const tokenizer = new TextTokenizer(folder.tokenizerJson, folder.tokenizerConfig);
  const vocab = folder.config.vocabSize ?? tokenizer.vocabularySize;
  const cache = new GrammarCache(tokenizer, vocab);
  const grammar = await cache.compile({ kind: "json_schema", text: JSON.stringify(schema) });
  const xg = await cache.xgrammar();
  const eos = [tokenizer.eosTokenId ?? 0];
  const scores = new Float32Array(vocab);
  return {
    async msPerToken(tokens) {
      const rows = await RowConstraints.create(xg, grammar, 1, eos);
      try {
        const start = performance.now();
        for (const token of tokens) {
          await rows.prepare(() => true);
          rows.apply(0, scores);
          rows.accept(0, token);
        }
        return (performance.now() - start) / Math.max(1, tokens.length);
      } finally {
        rows.dispose();
      }
    },
    dispose: () => cache.dispose(),
  };
}
