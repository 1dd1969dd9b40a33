/** The options of loadTextModel, declared once for the library, the CLI's flags and the server. */
import { z } from "zod";
import { OptionSchema, type OptionInput } from "@riff/core";
import { SESSION_LOAD_OPTIONS } from "@riff/onnx";
import { TEXT_DTYPES, type TextDtype } from "./model-folder.js";

export const TEXT_LOAD_OPTIONS = {
  dtype: {
    type: z.enum(TEXT_DTYPES as unknown as [TextDtype, ...TextDtype[]]),
    flag: "dtype",
    metavar: "dtype",
    doc: "weights variant: fp32 = onnx/model.onnx, q8 = model_quantized.onnx, fp16 = model_fp16.onnx, …",
    default: "fp32",
  },
  onnxFile: {
    type: z.string().min(1),
    flag: "onnx-file",
    metavar: "path",
    allowed: "a file inside the model folder",
    doc: "the decoder file, relative to the model folder, in place of the dtype's (e.g. onnx/model_q4_acc4.onnx, as riff convert writes)",
  },
  ...SESSION_LOAD_OPTIONS,
} as const;

export const textLoadOptionsSchema = new OptionSchema("text model load", TEXT_LOAD_OPTIONS);
export type LoadTextModelOptions = OptionInput<typeof TEXT_LOAD_OPTIONS>;
