export * from "./rng.js";
export * from "./tensor.js";
export * from "./errors.js";
export * from "./loop.js";
export * from "./logits/index.js";
export * from "./schedulers/index.js";
export * from "./folder-files.js";
export * from "./tokenizer-regexes.js";
