#!/usr/bin/env node
// The `riff` command npm links into node_modules/.bin. It is committed (not built) so that npm can
// link it during `npm ci`, before the `prepare` step has built bundle/main.js (dist/ compiled by tsc,
// then bundled by scripts/bundle-cli.ts); it then runs that build.
try {
  await import("../bundle/main.js");
} catch (error) {
  if (error?.code === "ERR_MODULE_NOT_FOUND" && String(error.message).includes("bundle/main.js")) {
    process.stderr.write("riff: the CLI is not built yet; run `npm run build` in the repository first\n");
    process.exit(1);
  }
  throw error;
}
