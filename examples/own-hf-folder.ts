// Use your own model: any Hugging Face ONNX decoder folder (config.json, tokenizer.json,
// onnx/model.onnx or a dtype variant such as onnx/model_quantized.onnx), e.g. an optimum export.
// Run: node --conditions=riff-source --import tsx examples/own-hf-folder.ts path/to/folder [dtype]
import { loadTextModel, type TextDtype } from "@riff/text";

const [folder, dtype] = process.argv.slice(2);
if (folder === undefined) throw new Error("usage: own-hf-folder.ts FOLDER [fp32|fp16|q8|q4|…]");
// dtype picks the weights file as transformers.js names them (q8 = onnx/model_quantized.onnx).
const model = await loadTextModel(folder, dtype === undefined ? {} : { dtype: dtype as TextDtype });
try {
  // generation_config.json supplies the defaults (temperature, eos ids, …); the call overrides them.
  console.log("defaults from generation_config.json:", model.defaults);
  const result = await model.generate("In the beginning", { maxNewTokens: 16 });
  console.log(JSON.stringify({ text: result.text, tokens: result.tokens, promptLookup: result.promptLookupNumTokens }));
  // A dynamically quantized decoder does not draft by prompt lookup by default; this says why.
  if (model.promptLookupOff !== undefined) console.log(model.promptLookupOff);
} finally {
  await model.dispose();
}
