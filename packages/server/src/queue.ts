/**
 * A bounded queue in front of one model: at most `concurrency` jobs run at once, at most
 * `maxQueue` wait; beyond that a job is refused at once with a 429 (Retry-After). A waiting job
 * whose signal aborts (its client left) leaves the queue without running.
 */
import { ApiError } from "./errors.js";

interface Waiter {
  readonly start: () => void;
  readonly signal: AbortSignal | undefined;
  readonly fail: (error: unknown) => void;
}

export class ModelQueue {
  private running = 0;
  private readonly waiting: Waiter[] = [];

  constructor(
    readonly name: string,
    readonly concurrency: number,
    readonly maxQueue: number,
    /** Called whenever the running or waiting counts change (metrics). */
    private readonly onChange: (running: number, waiting: number) => void = () => undefined,
  ) {}

  get depth(): number {
    return this.waiting.length;
  }

  get active(): number {
    return this.running;
  }

  /** Runs `job` when a slot is free; a 429 ApiError when the queue is full. */
  async run<T>(job: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(signal);
    try {
      return await job();
    } finally {
      this.release();
    }
  }

  /** Waits for a slot (call release() after); a 429 ApiError when the queue is full. */
  acquire(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (this.running < this.concurrency) {
      this.running++;
      this.changed();
      return Promise.resolve();
    }
    if (this.waiting.length >= this.maxQueue) {
      return Promise.reject(new ApiError(429, `the ${this.name} queue is full (${this.maxQueue} waiting); retry later`, null, "queue_full", "rate_limit_error", 1));
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        signal,
        start: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
        fail: reject,
      };
      const onAbort = (): void => {
        const at = this.waiting.indexOf(waiter);
        if (at >= 0) this.waiting.splice(at, 1);
        this.changed();
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiting.push(waiter);
      this.changed();
    });
  }

  release(): void {
    const next = this.waiting.shift();
    if (next === undefined) this.running--;
    else next.start(); // the slot passes straight to the next job
    this.changed();
  }

  private changed(): void {
    this.onChange(this.running, this.waiting.length);
  }
}
