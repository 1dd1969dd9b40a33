// Stream a paragraph from the embedded text model, printing each piece as it is decoded.
// Run: node --conditions=riff-source --import tsx examples/stream-paragraph.ts
import { resolveModelDir } from "@riff/core";
import { loadTextModel } from "@riff/text";

// resolveModelDir("text", undefined) is the embedded default (models/kjv-llama); pass a folder to use yours.
const model = await loadTextModel(resolveModelDir("text", undefined));
try {
  // Sampling: temperature and top-p shape the distribution; the seed makes the run repeatable.
  const stream = model.stream("And God said", { maxNewTokens: 60, temperature: 0.8, topP: 0.95, seed: 1 });
  process.stdout.write("And God said");
  for await (const delta of stream) process.stdout.write(delta.text);
  // `result` resolves once the stream has ended: token counts, timings and why it stopped.
  const result = await stream.result;
  process.stdout.write(`\n(${result.tokenCount} tokens, ${result.tokensPerSecond.toFixed(0)} tokens/s, stopped by ${result.stopReason})\n`);
} finally {
  await model.dispose();
}
