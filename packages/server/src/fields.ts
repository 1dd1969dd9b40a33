/** Small checks on request bodies shared by the routes: an object body, a served model's name, refused fields. */
import { ApiError, badField } from "./errors.js";

export type Body = Record<string, unknown>;

/** The JSON body as an object (fastify has parsed it); anything else is a 400. */
export function bodyObject(body: unknown): Body {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new ApiError(400, "the request body must be a JSON object", null, "invalid_request");
  }
  return body as Body;
}

/** `model` must be the served model's id when given (404 model_not_found otherwise, as OpenAI). */
export function checkModel(body: Body, served: string | undefined, what: string): void {
  if (served === undefined) throw new ApiError(404, `this server has no ${what} model loaded`, "model", "model_not_found");
  const model = body.model;
  if (model === undefined) return;
  if (typeof model !== "string") throw badField("model", `model must be a string, got ${JSON.stringify(model)}`);
  if (model !== served) throw new ApiError(404, `the model "${model}" does not exist here; this server's ${what} model is "${served}"`, "model", "model_not_found");
}

/** Fields that OpenAI defines and riff cannot honour on this endpoint: a 400 naming the first present. */
export function refuseFields(body: Body, fields: Readonly<Record<string, string>>): void {
  for (const [field, why] of Object.entries(fields)) {
    if (body[field] !== undefined && body[field] !== null) throw badField(field, `${field} is not supported: ${why}`);
  }
}

/** A copy of `body` without `names` (the fields a route reads itself). */
export function without(body: Body, names: readonly string[]): Body {
  const rest: Body = { ...body };
  for (const name of names) delete rest[name];
  return rest;
}
