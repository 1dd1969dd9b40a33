/**
 * The server of the `serve` bench section in a process of its own (bench/serve.ts starts it): the
 * text model only, the bench's batch size and threads (arguments) and RIFF_BENCH_TEXT_WORKERS text
 * workers (default: riff's own); writes its URL as one line on stdout and drains on SIGTERM, as
 * `riff serve` does.
 */
import { startServer } from "@riff/server";

const maxBatch = Number(process.argv[2] ?? "32");
const threads = process.argv[3] === undefined ? undefined : Number(process.argv[3]);
const workers = process.env.RIFF_BENCH_TEXT_WORKERS;
const server = await startServer({
  port: 0,
  maxBatch,
  imageModel: false,
  voice: false,
  ...(threads !== undefined ? { threads } : {}),
  ...(workers !== undefined ? { textWorkers: Number(workers) } : {}),
});
process.stdout.write(`${server.url}\n`);
process.once("SIGTERM", () => void server.close().then(() => process.exit(0)));
