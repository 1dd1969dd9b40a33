/**
 * The server's Prometheus metrics (prom-client, in a registry of its own so two servers in one
 * process do not share counters): requests by route and status, latencies, queue depth and
 * running jobs per model, generated tokens and tokens/s, text batch sizes.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { ContinuousBatchStats } from "@riff/text";

export class ServerMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({ name: "riff_requests_total", help: "HTTP requests served, by route and status", labelNames: ["route", "status"], registers: [this.registry] });
  readonly latency = new Histogram({
    name: "riff_request_duration_seconds",
    help: "Time from request to the end of the response, by route",
    labelNames: ["route"],
    buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly timeToFirstToken = new Histogram({
    name: "riff_time_to_first_token_seconds",
    help: "Time from request to the first streamed text",
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({ name: "riff_queue_depth", help: "Requests waiting, per model", labelNames: ["model"], registers: [this.registry] });
  readonly running = new Gauge({ name: "riff_running", help: "Requests being generated, per model", labelNames: ["model"], registers: [this.registry] });
  readonly tokens = new Counter({ name: "riff_generated_tokens_total", help: "Text tokens generated", registers: [this.registry] });
  readonly promptTokens = new Counter({ name: "riff_prompt_tokens_total", help: "Prompt tokens read", registers: [this.registry] });
  readonly tokensPerSecond = new Gauge({ name: "riff_tokens_per_second", help: "Decoding speed of the last finished text request", registers: [this.registry] });
  readonly batchSize = new Histogram({
    name: "riff_text_batch_size",
    help: "Text requests generating together when one starts",
    buckets: [1, 2, 4, 8, 16, 32, 64],
    registers: [this.registry],
  });
  readonly aborted = new Counter({ name: "riff_aborted_total", help: "Generations stopped because their client left or timed out", labelNames: ["model"], registers: [this.registry] });

  /** The text model's continuous batch, read when /metrics is scraped. */
  private batchStats: (() => ContinuousBatchStats) | undefined;
  readonly batchRows: Gauge = new Gauge({
    name: "riff_text_batch_rows",
    help: "Rows (sequences) in the text model's continuous batch now",
    registers: [this.registry],
    collect: (): void => this.batchRows.set(this.batchStats?.().rows ?? 0),
  });
  readonly batchSteps: Gauge<"count"> = new Gauge({
    name: "riff_text_batch_steps",
    help: "Decode steps of the continuous batch (one forward pass each), and rows decoded over them",
    labelNames: ["count"],
    registers: [this.registry],
    collect: (): void => {
      const stats = this.batchStats?.();
      this.batchSteps.set({ count: "steps" }, stats?.steps ?? 0);
      this.batchSteps.set({ count: "rows" }, stats?.rowSteps ?? 0);
    },
  });
  readonly batchFreed: Gauge<"reason"> = new Gauge({
    name: "riff_text_batch_rows_freed",
    help: "Rows that left the continuous batch (their KV cache rows freed), by why",
    labelNames: ["reason"],
    registers: [this.registry],
    collect: (): void => {
      const freed = this.batchStats?.().freed ?? { finished: 0, aborted: 0, failed: 0 };
      for (const [reason, n] of Object.entries(freed)) this.batchFreed.set({ reason }, n);
    },
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "riff_process_" });
  }

  watchBatch(stats: () => ContinuousBatchStats): void {
    this.batchStats = stats;
  }

  /** The queue callback for one model's gauges. */
  watch(model: string): (running: number, waiting: number) => void {
    return (running, waiting) => {
      this.running.set({ model }, running);
      this.queueDepth.set({ model }, waiting);
    };
  }
}
