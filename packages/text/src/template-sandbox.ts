/**
 * A model's chat template is code from the model folder: Jinja that can loop 10^8 times or build
 * a string of gigabytes. It is rendered in one long-lived worker thread with a heap limit, and the
 * caller waits for it synchronously with a deadline (Atomics.wait), so renderChat stays a plain
 * function, a hostile template costs at most RENDER_TIMEOUT_MS of a blocked main thread (then
 * Ctrl-C is handled), and a normal render costs one message round trip (well under a millisecond)
 * after the worker's start (tens of milliseconds, once per process).
 */
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from "node:worker_threads";
import { RiffError } from "@riff/core";

/** How long one render may take, worker start included. */
export const RENDER_TIMEOUT_MS = 4000;
/** The longest rendered prompt accepted (characters). */
export const MAX_RENDER_CHARS = 4 * 1024 * 1024;
/** The worker's heap: far above any real template's needs, far below the machine's memory. */
const HEAP_MB = 256;

type Reply =
  | { readonly id: number; readonly text: string }
  | { readonly id: number; readonly stage: "parse" | "render" | "size"; readonly message: string };

// Plain JavaScript, evaluated as the worker's script: no loader or build step is involved.
const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const { port, signal, jinja, maxChars } = workerData;
const flag = new Int32Array(signal);
const compiled = new Map();
const library = import(jinja);
function reply(message) {
  port.postMessage(message);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}
port.on("message", async ({ id, source, context }) => {
  const { Template } = await library;
  let template = compiled.get(source);
  if (template === undefined) {
    try {
      template = new Template(source);
    } catch (error) {
      return reply({ id, stage: "parse", message: String((error && error.message) || error).slice(0, 300) });
    }
    if (compiled.size >= 8) compiled.delete(compiled.keys().next().value);
    compiled.set(source, template);
  }
  let text;
  try {
    text = template.render(context);
  } catch (error) {
    return reply({ id, stage: "render", message: String((error && error.message) || error).slice(0, 300) });
  }
  if (typeof text !== "string" || text.length > maxChars) {
    return reply({ id, stage: "size", message: String(typeof text === "string" ? text.length : typeof text) });
  }
  reply({ id, text });
});
`;

interface Sandbox {
  readonly worker: Worker;
  readonly port: MessagePort;
  readonly flag: Int32Array;
}

let sandbox: Sandbox | undefined;
let nextId = 0;

function start(): Sandbox {
  const { port1, port2 } = new MessageChannel();
  const signal = new SharedArrayBuffer(4);
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { port: port2, signal, jinja: import.meta.resolve("@huggingface/jinja"), maxChars: MAX_RENDER_CHARS },
    transferList: [port2],
    resourceLimits: { maxOldGenerationSizeMb: HEAP_MB, maxYoungGenerationSizeMb: 32 },
    stdout: true,
    stderr: true,
  });
  worker.unref();
  worker.on("error", () => {}); // an out-of-memory worker is reported by the render's deadline
  port1.unref();
  return { worker, port: port1, flag: new Int32Array(signal) };
}

function stop(): void {
  const s = sandbox;
  sandbox = undefined;
  s?.port.close();
  void s?.worker.terminate();
}

/** Renders a Jinja `source` with `context` in the sandbox; every failure is a RiffError for "chat". */
export function renderTemplate(source: string, context: Record<string, unknown>): string {
  const s = (sandbox ??= start());
  const id = nextId++;
  Atomics.store(s.flag, 0, 0);
  s.port.postMessage({ id, source, context });
  if (Atomics.wait(s.flag, 0, 0, RENDER_TIMEOUT_MS) === "timed-out") {
    stop();
    throw new RiffError(
      `the model's chat template did not finish within ${RENDER_TIMEOUT_MS / 1000} s or outgrew ${HEAP_MB} MB; riff stopped it`,
      "chat",
    );
  }
  // One render at a time, and a timed-out one takes its worker and channel with it: the reply is this call's.
  const reply = receiveMessageOnPort(s.port)?.message as Reply | undefined;
  if (reply === undefined || reply.id !== id) {
    stop();
    throw new RiffError("the model's chat template sandbox lost its reply; try again", "chat");
  }
  if ("text" in reply) return reply.text;
  if (reply.stage === "parse") throw new RiffError(`the model's chat template could not be parsed: ${reply.message}`, "chat");
  if (reply.stage === "size") {
    throw new RiffError(`the model's chat template wrote ${reply.message} characters; riff accepts at most ${MAX_RENDER_CHARS}`, "chat");
  }
  throw new RiffError(`the model's chat template failed: ${reply.message}`, "chat");
}
