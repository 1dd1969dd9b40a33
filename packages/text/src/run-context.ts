/** What a one-shot generation runner (sampling-run.ts, beam-run.ts) is given by TextModel. */
import type { Decoder } from "./decoder.js";
import type { ResolvedOptions } from "./options.js";
import type { RowConstraints } from "./structured/constraint.js";
import type { TextTokenizer } from "./tokenizer.js";

export interface RunContext {
  readonly decoder: Decoder;
  readonly tokenizer: TextTokenizer;
  /** The prompts' ids, none empty. */
  readonly prompts: readonly number[][];
  readonly options: ResolvedOptions;
  /** The id that fills left padding. */
  readonly padId: number;
  /** performance.now() when the call began (totalMs counts from here, encoding included). */
  readonly started: number;
  /** One grammar matcher per row, with a response format. */
  readonly constraints: RowConstraints | undefined;
}
