// Beam search: keep the 4 best continuations at every step and return the 2 best at the end.
// Run: node --conditions=riff-source --import tsx examples/beam-search.ts
import { resolveModelDir } from "@riff/core";
import { loadTextModel } from "@riff/text";

const model = await loadTextModel(resolveModelDir("text", undefined));
try {
  const result = await model.generate("In the beginning", {
    numBeams: 4, // beam width
    numReturnSequences: 2, // at most numBeams
    lengthPenalty: 1, // scores are sum(logprobs) / length ** lengthPenalty
    maxNewTokens: 24,
  });
  for (const [i, sequence] of result.sequences.entries()) {
    console.log(`${i + 1}. (score ${sequence.score?.toFixed(3)})${sequence.text}`);
  }
} finally {
  await model.dispose();
}
