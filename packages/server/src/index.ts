// @riff/server: riff's OpenAI-compatible HTTP server (`riff serve`) for text, images and speech.
export { MAX_TEXT_WORKERS, startServer, type RiffServer, type ServeOptions } from "./app.js";
export { ApiError, toApiError, type ErrorBody } from "./errors.js";
export { ModelQueue } from "./queue.js";
export { ServerMetrics } from "./metrics.js";
export { pcmBytes } from "./wav-stream.js";
export { sseData } from "./sse-events.js";
