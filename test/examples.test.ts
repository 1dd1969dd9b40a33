// Every program in examples/ runs against the embedded models (and the text fixtures), so none rots.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const examples = join(root, "examples");

/** Each example, its arguments (after the out folder) and what its output must show. */
const RUNS: Record<string, { args?: string[]; stdout: RegExp; files?: string[] }> = {
  "stream-paragraph.ts": { stdout: /^And God said[\s\S]*\(\d+ tokens, \d+ tokens\/s, stopped by (length|eos)\)/ },
  "beam-search.ts": { stdout: /^1\. \(score -?\d+\.\d{3}\).+\n2\. \(score/ },
  "batch-prompts.ts": { stdout: /"prompt":"And God said"[\s\S]*"prompt":"In the beginning"[\s\S]*"prompt":"And the earth was"/ },
  "image-guidance-img2img.ts": { stdout: /wrote .*guided\.png and .*img2img\.png \(32x32\)/, files: ["guided.png", "img2img.png"] },
  "image-grid.ts": { stdout: /grid\.png: \d+x\d+, 4 images/, files: ["grid.png"] },
  "speech-to-file.ts": { stdout: /sentence 1\.0: \d+ samples[\s\S]*wrote .*speech\.wav: \d+\.\d\d s/, files: ["speech.wav"] },
  "own-hf-folder.ts": { args: [join(root, "packages/text/test/fixtures/gpt2-tiny-q8"), "q8"], stdout: /"promptLookup":0[\s\S]*quantizes activations dynamically/ },
  "await-using.ts": { stdout: /text: ".*"; image: 32x32\ndisposed/ },
  "piper-voice.ts": { stdout: /speakers: ana, ben, cleo\nsentence 1: \/həlˈoʊ ðˈɛɹ, hˈaʊ ɑːɹ juː\?\/[\s\S]*wrote .*piper\.wav: 2 sentences, \d+\.\d\d s\ndisposed/, files: ["piper.wav"] },
};

/** Examples that need a running server or a long evaluation are run by their own suites: each must name its example. */
const RUN_ELSEWHERE: Readonly<Record<string, string>> = {
  "openai-client.ts": "packages/server/test/example-client.test.ts",
  "structured-output.ts": "packages/text/test/structured.test.ts",
};

test("every example has a run, here or in the suite named for it", () => {
  assert.deepEqual(readdirSync(examples).filter((f) => f.endsWith(".ts")).sort(), [...Object.keys(RUNS), ...Object.keys(RUN_ELSEWHERE)].sort());
  for (const [file, suite] of Object.entries(RUN_ELSEWHERE)) assert.match(readFileSync(join(root, suite), "utf8"), new RegExp(file.replace(".", "\\.")), suite);
});

for (const [file, run] of Object.entries(RUNS)) {
  test(`examples/${file} runs`, () => {
    const out = mkdtempSync(join(tmpdir(), "riff-example-"));
    try {
      const args = run.args ?? [out];
      const result = spawnSync(process.execPath, ["--conditions=riff-source", "--import", "tsx", join(examples, file), ...args], {
        cwd: root,
        encoding: "utf8",
        timeout: 180_000,
      });
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout, run.stdout);
      for (const name of run.files ?? []) assert.ok(existsSync(join(out, name)), `${file} did not write ${name}`);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
}
