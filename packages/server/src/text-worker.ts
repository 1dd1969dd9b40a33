/**
 * A text worker's thread (started by WorkerEngine): loads its copy of the text model, runs its own
 * continuous batch, and answers the requests the server's thread sends it. Its events are sent
 * once per turn of its event loop, so a step of 16 rows is one message, not 16.
 */
import { parentPort, workerData } from "node:worker_threads";
import { loadTextModel, type Prompt, type TextGenerationOptions } from "@riff/text";
import { sendError, type FromWorker, type RequestEvent, type TextWorkerData, type ToWorker } from "./text-worker-protocol.js";

const port = parentPort!;
const { dir, load, maxRows } = workerData as TextWorkerData;

function post(message: FromWorker): void {
  port.postMessage(message);
}

try {
  const model = await loadTextModel(dir, load);
  const batch = model.continuousBatch({ maxRows });
  const running = new Map<number, AbortController>();
  let pending: RequestEvent[] = [];
  const flush = (): void => {
    const events = pending;
    pending = [];
    post({ type: "events", events, stats: batch.stats });
  };
  const send = (event: RequestEvent): void => {
    if (pending.length === 0) setImmediate(flush);
    pending.push(event);
  };

  const serve = async (id: number, prompt: Prompt, given: Omit<TextGenerationOptions, "signal">, stream: boolean): Promise<void> => {
    const controller = new AbortController();
    running.set(id, controller);
    const options = { ...given, signal: controller.signal };
    try {
      if (stream) {
        const deltas = batch.stream(prompt, options);
        for await (const delta of deltas) send({ type: "delta", id, delta });
        send({ type: "result", id, result: await deltas.result });
      } else send({ type: "result", id, result: await batch.generate(prompt, options) });
    } catch (error) {
      send({ type: "error", id, error: sendError(error) });
    } finally {
      running.delete(id);
    }
  };

  port.on("message", (message: ToWorker) => {
    if (message.type === "start") void serve(message.id, message.prompt, message.options, message.stream);
    else if (message.type === "abort") running.get(message.id)?.abort();
    else {
      for (const controller of running.values()) controller.abort();
      void model.dispose().then(() => {
        post({ type: "closed" });
        port.close();
      });
    }
  });
  post({ type: "ready" });
} catch (error) {
  post({ type: "failed", error: sendError(error) });
  port.close();
}
