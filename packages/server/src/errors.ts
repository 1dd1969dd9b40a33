/**
 * Errors in the OpenAI API's shape, `{error: {message, type, param, code}}`, with their HTTP
 * status: the one place where a RiffError (bad input, named option), a full queue, a timeout or a
 * fastify body error becomes the response a client's OpenAI library understands.
 */
import { RiffError } from "@riff/core";

export interface ErrorBody {
  readonly error: { message: string; type: string; param: string | null; code: string | null };
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
    readonly type: string = status >= 500 ? "server_error" : "invalid_request_error",
    /** Seconds a client should wait before retrying (429, 503). */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = "ApiError";
  }

  body(): ErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** A bad field of the request: 400 naming it. */
export function badField(param: string, message: string): ApiError {
  return new ApiError(400, message, param, "invalid_value");
}

/** fastify's own errors (body parsing, limits) by their codes. */
const FASTIFY_ERRORS: Readonly<Record<string, [number, string]>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, "request_too_large"],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, "unsupported_media_type"],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, "invalid_json"],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, "invalid_request"],
};

/** Any error thrown while serving a request, as an ApiError (unexpected ones are a 500). */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof RiffError) return new ApiError(400, error.message, error.option ?? null, "invalid_value");
  const e = error as { code?: unknown; statusCode?: unknown; message?: unknown } | null;
  const code = typeof e?.code === "string" ? e.code : undefined;
  const message = typeof e?.message === "string" ? e.message : String(error);
  if (code !== undefined && FASTIFY_ERRORS[code] !== undefined) {
    const [status, name] = FASTIFY_ERRORS[code]!;
    return new ApiError(status, `request body: ${message}`, null, name);
  }
  if (error instanceof SyntaxError || (typeof e?.statusCode === "number" && e.statusCode === 400)) {
    return new ApiError(400, `request body is not valid JSON: ${message}`, null, "invalid_json");
  }
  if (typeof e?.statusCode === "number" && e.statusCode >= 400 && e.statusCode < 500) return new ApiError(e.statusCode, message, null, code ?? null);
  return new ApiError(500, `internal error: ${message}`, null, "internal_error");
}
