export * from "./option-schema.js";
export { describeSchema, showValue, type JsonSchema } from "./describe.js";
