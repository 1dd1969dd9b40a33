export * from "./rng.js";
export * from "./tensor.js";
export * from "./errors.js";
export * from "./loop.js";
export * from "./logits/processor.js";
export * from "./schedulers/scheduler.js";
