// Fails the calling test file when any promise rejection goes unhandled while it runs (API tests
// that dispose models mid-run use it: a run must end cleanly, never with a stray rejection).
import { after } from "node:test";
import assert from "node:assert/strict";

export function failOnUnhandledRejections(): void {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  process.on("unhandledRejection", onUnhandled);
  after(() => {
    process.removeListener("unhandledRejection", onUnhandled);
    assert.deepEqual(unhandled, [], "no unhandled rejection");
  });
}
