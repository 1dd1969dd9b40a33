// Bundles the built CLI (packages/cli/dist, from `tsc -b`) into packages/cli/bundle/, what the
// `riff` bin runs. A process that starts, speaks one sentence and exits spends a large share of its
// life resolving and compiling ES modules: @riff/* and zod alone are a few hundred files. esbuild
// puts them into a few chunks, one per lazily imported command (`riff speak` still loads neither
// the text nor the server package), which takes about 0.13 s off every command's start here.
//
// Native addons and packages that find files beside their own code stay external and load from
// node_modules as before. A bundled file's `import.meta.url` is rewritten to the URL of the file it
// came from, so paths relative to a package (the embedded models, package.json, the server's web
// page) keep pointing where they did.
import { rmSync } from "node:fs";
import { dirname, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";

const root = fileURLToPath(new URL("../", import.meta.url));
const outdir = `${root}packages/cli/bundle`;

/** Loaded from node_modules at run time: native code, or code that reads files next to itself. */
const EXTERNAL = ["onnxruntime-node", "sharp", "@mlc-ai/web-xgrammar", "fastify", "@fastify/*", "prom-client", "pino"];

/** Each built @riff file's `import.meta.url` becomes its original file's URL, relative to the chunk it lands in. */
const keepModuleUrls: Plugin = {
  name: "keep-module-urls",
  setup(esbuild) {
    esbuild.onLoad({ filter: /[/\\]packages[/\\][^/\\]+[/\\]dist[/\\].*\.js$/ }, async ({ path }) => {
      const { readFile } = await import("node:fs/promises");
      const source = await readFile(path, "utf8");
      if (!source.includes("import.meta.url")) return { contents: source, loader: "js", resolveDir: dirname(path) };
      // Every chunk is written to `outdir` itself, so one relative path serves all of them.
      const fromChunk = relative(outdir, path).split("\\").join("/");
      const url = `new URL(${JSON.stringify(fromChunk)}, import.meta.url).href`;
      return { contents: source.replaceAll("import.meta.url", url), loader: "js", resolveDir: dirname(path) };
    });
  },
};

/**
 * zod's `z.locales` (error messages in some 40 languages, half of zod's bundled bytes) reduced to
 * English, the one zod configures by default and the only one riff's messages are written against:
 * riff never calls `z.config` with another locale. About 20 ms less CPU at every start.
 */
const zodEnglishOnly: Plugin = {
  name: "zod-english-only",
  setup(esbuild) {
    esbuild.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, ({ importer }) =>
      /[/\\]node_modules[/\\]zod[/\\]/.test(importer) ? { path: "zod-locales", namespace: "zod-english-only" } : undefined,
    );
    esbuild.onLoad({ filter: /.*/, namespace: "zod-english-only" }, () => ({
      contents: 'export { default as en } from "zod/v4/locales/en.js";',
      resolveDir: root,
    }));
  },
};

rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { main: `${root}packages/cli/dist/main.js` },
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external: EXTERNAL,
  // The CommonJS packages bundled here (commander) call require() for Node's built-ins.
  banner: { js: 'import { createRequire as __riffRequire } from "node:module"; const require = __riffRequire(import.meta.url);' },
  plugins: [keepModuleUrls, zodEnglishOnly],
  logLevel: "warning",
});
