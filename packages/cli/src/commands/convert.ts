/**
 * `riff convert`: rewrites an ONNX file into a new one beside it (or at --out), with the rewrites
 * the onnx package's convertOnnx does: for now --accuracy-level, which sets every MatMulNBits
 * node's accuracy_level (4: int8 activations, MLAS's fast kernels on CPU).
 */
import { existsSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import type { Command } from "commander";
import { RiffError } from "@riff/core";
import { convertOnnx, convertOptionsSchema } from "@riff/onnx";
import { addFlags, readFlags } from "../flags.js";

interface ConvertCliOptions {
  readonly out?: string;
  readonly json?: boolean;
}

export function registerConvert(program: Command): void {
  const command = program
    .command("convert")
    .description("Write a converted copy of an ONNX model file: --accuracy-level 4 makes 4-bit MatMulNBits layers compute with int8 activations (faster on CPU; tokens may differ)")
    .argument("<file>", "the ONNX file, e.g. DIR/onnx/model_q4.onnx")
    .option("--out <file>", "where to write (default: beside the input, NAME_acc<level>.onnx); never overwrites");
  addFlags(command, convertOptionsSchema);
  command.option("--json", "print one JSON object: out, matMulNBits, changed, externalData").action(async (file: string, options: ConvertCliOptions, self: Command) => {
    const { accuracyLevel } = readFlags(convertOptionsSchema, self.opts());
    if (accuracyLevel === undefined) throw new RiffError(`--accuracy-level is required: it is the one rewrite riff convert does (${convertOptionsSchema.allowed("accuracyLevel")}; 4 = int8 activations)`, "--accuracy-level");
    const result = await convertOnnx(file, { accuracyLevel, out: options.out }).catch((error: unknown) => {
      throw convertOptionsSchema.inVocabulary(error, "cli");
    });
    if (options.json) {
      process.stdout.write(JSON.stringify(result, null, 2) + "\n");
      return;
    }
    const shared = result.externalData.length > 0 ? `; it shares ${result.externalData.join(", ")} with the input` : "";
    process.stdout.write(`wrote ${result.out}: ${result.changed} of ${result.matMulNBits} MatMulNBits nodes set to accuracy_level ${accuracyLevel}${shared}\n`);
    const folder = modelFolderOf(result.out);
    if (folder !== undefined) process.stdout.write(`run it with: riff text --model ${folder} --onnx-file ${relative(folder, result.out)} …\n`);
  });
}

/** The model folder a file is in (DIR for DIR/onnx/x.onnx or DIR/x.onnx), when it has a config. */
function modelFolderOf(path: string): string | undefined {
  const parent = dirname(path);
  for (const dir of basename(parent) === "onnx" ? [dirname(parent), parent] : [parent]) {
    if (existsSync(join(dir, "config.json")) || existsSync(join(dir, "genai_config.json"))) return dir;
  }
  return undefined;
}
