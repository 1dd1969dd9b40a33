/**
 * POST /v1/images/generations: OpenAI's image request → the served diffusion pipeline, answered as
 * b64_json PNGs carrying the same "parameters" tEXt chunk `riff image` writes. Options go through
 * the image option schema (HF names) with OpenAI's as aliases (n, steps); size is "WxH".
 */
import type { FastifyInstance } from "fastify";
import { DiffusionPipeline, encodePng, formatParameters, imageOptionsSchema, type GenerateOptions } from "@riff/diffusion";
import { ApiError, badField, toApiError } from "./errors.js";
import { bodyObject, checkModel, refuseFields, without } from "./fields.js";
import type { ModelQueue } from "./queue.js";
import { requestSignal } from "./request-signal.js";

export interface ImageService {
  readonly id: string;
  readonly pipeline: DiffusionPipeline;
  readonly queue: ModelQueue;
}

const ALIASES: Readonly<Record<string, string>> = { n: "num_images_per_prompt", steps: "num_inference_steps" };

const REFUSED: Readonly<Record<string, string>> = {
  image: "img2img is not served; /v1/images/generations draws from the prompt",
  strength: "img2img is not served",
  mask: "inpainting is not served",
  quality: "use steps",
  style: "riff has no styles",
  background: "riff draws opaque images",
  output_format: "riff answers PNG",
};

export function registerImageRoutes(app: FastifyInstance, context: { image: ImageService | undefined; timeoutMs: number }): void {
  app.post("/v1/images/generations", async (request, reply) => {
    const body = bodyObject(request.body);
    checkModel(body, context.image?.id, "image");
    const { pipeline, queue } = context.image!;
    refuseFields(body, REFUSED);
    if (typeof body.prompt !== "string") throw badField("prompt", `prompt must be a string, got ${JSON.stringify(body.prompt) ?? "nothing"}`);
    const format = body.response_format ?? "b64_json";
    if (format !== "b64_json") throw badField("response_format", `response_format must be "b64_json" (riff serves no URLs), got ${JSON.stringify(format)}`);
    const size = readSize(body.size);
    const rest = without(body, ["model", "prompt", "response_format", "size", "user"]);
    const used = Object.fromEntries(Object.keys(rest).filter((k) => ALIASES[k] !== undefined).map((k) => [k, ALIASES[k]!]));
    const inRequest = (error: unknown): ApiError => toApiError(imageOptionsSchema.inVocabulary(error, "config", undefined, used));
    let generate: GenerateOptions;
    try {
      generate = { seed: 0, ...imageOptionsSchema.parse(rest, "config", { aliases: used }), ...size, prompt: body.prompt };
      pipeline.resolve(generate); // the options against the model, before queueing
    } catch (error) {
      throw inRequest(error);
    }
    const { signal, error: abortError } = requestSignal(reply, context.timeoutMs);
    const result = await queue.run(async () => {
      try {
        return await pipeline.run({ ...generate, signal });
      } catch (error) {
        throw signal.aborted ? abortError() : inRequest(error);
      }
    }, signal);
    const parameters = formatParameters(result.parameters);
    const data = await Promise.all(result.images.map(async (image) => ({ b64_json: (await encodePng(image, parameters)).toString("base64"), revised_prompt: result.parameters.prompt })));
    return { created: Math.floor(Date.now() / 1000), data };
  });
}

/** "WxH" → width and height (their ranges are the schema's, checked with the rest). */
function readSize(size: unknown): { width?: number; height?: number } {
  if (size === undefined || size === null || size === "auto") return {};
  const match = typeof size === "string" ? /^(\d{1,5})x(\d{1,5})$/.exec(size) : null;
  if (match === null) throw badField("size", `size must be "WIDTHxHEIGHT" such as "64x64", got ${JSON.stringify(size)}`);
  const width = Number(match[1]);
  const height = Number(match[2]);
  try {
    imageOptionsSchema.check("width", width, "config");
    imageOptionsSchema.check("height", height, "config");
  } catch (error) {
    throw badField("size", `size ${size}: ${(error as Error).message}`);
  }
  return { width, height };
}
