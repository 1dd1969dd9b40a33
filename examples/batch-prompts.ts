// Several prompts in one batch: they are left-padded and decoded together, one result each.
// Run: node --conditions=riff-source --import tsx examples/batch-prompts.ts
import { resolveModelDir } from "@riff/core";
import { loadTextModel } from "@riff/text";

const prompts = ["And God said", "In the beginning", "And the earth was"];
const model = await loadTextModel(resolveModelDir("text", undefined));
try {
  // Greedy decoding (temperature 0); every prompt gets the same options.
  const results = await model.generateBatch(prompts, { maxNewTokens: 20, temperature: 0 });
  for (const [i, result] of results.entries()) console.log(JSON.stringify({ prompt: prompts[i], text: result.text, tokens: result.tokenCount }));
} finally {
  await model.dispose();
}
