// Every package has a README, and each README's option tables are the ones the schemas and the
// scheduler registry generate now (npm run docs writes them).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DOCUMENTS, renderAll } from "../scripts/options-docs.js";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));

test("every package has a README that npm run docs keeps", () => {
  const packages = readdirSync(join(root, "packages")).filter((name) => existsSync(join(root, "packages", name, "package.json")));
  assert.ok(packages.length >= 7);
  for (const name of packages) assert.ok(`packages/${name}/README.md` in DOCUMENTS, `packages/${name}/README.md is not in scripts/options-docs.ts's DOCUMENTS`);
});

test("the package READMEs' option and scheduler tables are current", () => {
  for (const doc of renderAll()) {
    assert.equal(doc.current, doc.wanted, `${doc.name}'s tables are stale: run npm run docs`);
    // Each marked section holds a generated table, not an empty pair of markers.
    for (const section of DOCUMENTS[doc.name]!) {
      const body = doc.current.split(`<!-- options:${section} -->`)[1]!.split(`<!-- /options:${section} -->`)[0]!;
      assert.match(body, /^\n\| .* \|\n\|---/, `${doc.name}: ${section}`);
    }
  }
});
