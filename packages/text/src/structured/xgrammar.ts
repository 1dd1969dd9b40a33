/**
 * Loads xgrammar's WASM build (@mlc-ai/web-xgrammar) in Node. Its bundle is a UMD script written
 * for browsers and CommonJS: in an ES module it finds no `require`, `__filename` or `__dirname`,
 * so they are defined on globalThis before the import, and the exports are read from
 * `globalThis.xgrammar`, where the UMD wrapper puts them. The engine reports parse errors only on
 * stderr (then throws a bare "Aborted()"): {@link withEngineMessages} catches those lines so that
 * riff's errors carry the parser's own message.
 */
import { createRequire } from "node:module";
import type * as XGrammar from "@mlc-ai/web-xgrammar";

export type XGrammarModule = typeof XGrammar;

let loading: Promise<XGrammarModule> | undefined;
/** Lines the engine printed while {@link withEngineMessages} listens; undefined otherwise. */
let listening: string[] | undefined;

/** xgrammar, loaded once per process. */
export function loadXGrammar(): Promise<XGrammarModule> {
  loading ??= (async () => {
    const g = globalThis as Record<string, unknown>;
    const require = createRequire(import.meta.url);
    const main = require.resolve("@mlc-ai/web-xgrammar");
    const defined = { require: g.require, __filename: g.__filename, __dirname: g.__dirname };
    g.require ??= require;
    g.__filename ??= main;
    g.__dirname ??= main.replace(/[/\\][^/\\]*$/, "");
    // The WASM runtime binds console.error when it starts: route it through `listening` from then on.
    const original = console.error;
    console.error = (...args: unknown[]) => (listening !== undefined ? void listening.push(args.map(String).join(" ")) : original(...args));
    try {
      await import("@mlc-ai/web-xgrammar");
      const xg = g.xgrammar as XGrammarModule | undefined;
      if (xg === undefined) throw new Error("@mlc-ai/web-xgrammar did not define globalThis.xgrammar");
      await xg.Grammar.builtinJSONGrammar().then((grammar) => grammar.dispose()); // starts the runtime
      return xg;
    } finally {
      console.error = original;
      for (const [key, value] of Object.entries(defined)) if (value === undefined) delete g[key];
    }
  })();
  return loading;
}

/**
 * Runs `work` while listening to the engine's messages. On failure, throws `fail(message)` with the
 * engine's last message, without its source-file prefix ("EBNF parser error at line 1, …").
 */
export async function withEngineMessages<T>(work: () => Promise<T> | T, fail: (message: string) => Error): Promise<T> {
  const lines: string[] = [];
  listening = lines;
  try {
    return await work();
  } catch (error) {
    const said = lines.filter((line) => !/^Aborted\(/.test(line)).pop();
    const message = said?.replace(/^\[\w+\]\s*\S+:\d+:\s*/, "") ?? (error instanceof Error ? error.message : String(error));
    throw fail(message);
  } finally {
    listening = undefined;
  }
}
