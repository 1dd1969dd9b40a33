/**
 * The server of the `serve` bench section in a process of its own (bench/serve.ts starts it): the
 * text model only, the bench's batch size; writes its URL as one line on stdout and drains on
 * SIGTERM, as `riff serve` does.
 */
import { startServer } from "@riff/server";

const maxBatch = Number(process.argv[2] ?? "32");
const server = await startServer({ port: 0, maxBatch, imageModel: false, voice: false });
process.stdout.write(`${server.url}\n`);
process.once("SIGTERM", () => void server.close().then(() => process.exit(0)));
