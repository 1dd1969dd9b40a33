/**
 * A model folder's pieces come from different hands: config.json, tokenizer.json and the ONNX graph
 * may disagree (a config for another size, a tokenizer for another model). Left alone, that
 * surfaces mid-generation as an onnxruntime Gather or Reshape stack trace; checked here at load it
 * is a RiffError naming the file and key.
 */
import { relative } from "node:path";
import { RiffError } from "@riff/core";
import type { DecoderGraph } from "./decoder.js";
import type { ModelFolder } from "./model-folder.js";

/** Throws unless config.json, generation_config.json and the tokenizer agree with the graph. */
export function checkFolderAgainstGraph(folder: ModelFolder, graph: DecoderGraph, tokenizerVocabulary: number): void {
  const { config, dir } = folder;
  const onnx = relative(dir, folder.onnxPath);
  const gpt2 = config.modelType === "gpt2";
  const fail = (file: string, key: string, why: string): never => {
    throw new RiffError(`${dir}/${file}: ${key} ${why}`, "model");
  };
  if (config.numLayers !== graph.layers) {
    fail(folder.configFile, gpt2 ? "n_layer" : "num_hidden_layers", `is ${config.numLayers} but ${onnx} has ${graph.layers} layers (past_key_values.0–${graph.layers - 1})`);
  }
  if (graph.kvHeads !== undefined && config.numKeyValueHeads !== graph.kvHeads) {
    fail(folder.configFile, gpt2 ? "n_head" : "num_key_value_heads", `is ${config.numKeyValueHeads} but ${onnx}'s past_key_values have ${graph.kvHeads} heads`);
  }
  if (graph.headDim !== undefined && config.headDim !== graph.headDim) {
    const key = gpt2 ? "n_embd / n_head" : folder.rawConfig.head_dim !== undefined ? "head_dim" : "hidden_size / num_attention_heads";
    fail(folder.configFile, key, `gives head size ${config.headDim} but ${onnx}'s past_key_values have ${graph.headDim}`);
  }
  if (graph.vocab !== undefined && config.vocabSize !== undefined && config.vocabSize !== graph.vocab) {
    fail(folder.configFile, "vocab_size", `is ${config.vocabSize} but ${onnx} scores ${graph.vocab} tokens (logits)`);
  }
  const vocab = graph.vocab ?? config.vocabSize;
  if (vocab === undefined) return;
  if (tokenizerVocabulary > vocab) {
    fail("tokenizer.json", "model.vocab", `has ids up to ${tokenizerVocabulary - 1}, beyond the model's ${vocab} tokens`);
  }
  const fromGeneration = folder.generationConfig.eos_token_id !== undefined;
  const eosFile = fromGeneration ? relative(dir, folder.generationConfigSource) : folder.configFile;
  const eosRaw = fromGeneration ? folder.generationConfig.eos_token_id : folder.rawConfig.eos_token_id;
  checkIds(eosRaw, vocab, (why) => fail(eosFile, "eos_token_id", why));
  for (const key of ["bos_token_id", "pad_token_id"] as const) {
    for (const [file, json] of [[relative(dir, folder.generationConfigSource), folder.generationConfig], [folder.configFile, folder.rawConfig]] as const) {
      checkIds(json[key], vocab, (why) => fail(file, key, why));
    }
  }
}

/** A token id or a list of them, each an integer in [0, vocab); null and absent are fine. */
function checkIds(value: unknown, vocab: number, fail: (why: string) => never): void {
  if (value === undefined || value === null) return;
  const ids = Array.isArray(value) ? value : [value];
  for (const id of ids) {
    if (typeof id !== "number" || !Number.isInteger(id) || id < 0 || id >= vocab) {
      fail(`must be token ids in [0, ${vocab - 1}], got ${JSON.stringify(id)?.slice(0, 40) ?? String(id)}`);
    }
  }
}
