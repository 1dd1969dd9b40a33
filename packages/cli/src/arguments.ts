/**
 * The library arguments the CLI takes as flags of its own: a model folder is loadTextModel's `dir`
 * (`model` in errors), a voice loadVoice's `voice`, an output file `out`. A RiffError naming one of
 * them is re-worded for the command line ("--model: model folder not found: …").
 */
import { RiffError } from "@riff/core";

const ARGUMENT_FLAGS: Readonly<Record<string, string>> = { model: "--model", dir: "--model", voice: "--voice", out: "--out" };

export function inCliWords(error: RiffError): RiffError {
  const flag = error.option === undefined ? undefined : ARGUMENT_FLAGS[error.option];
  if (flag === undefined || error.message.startsWith(flag)) return error;
  const key = error.option!;
  const named = error.message.startsWith(`${key} `) || error.message.startsWith(`${key}:`);
  return new RiffError(named ? flag + error.message.slice(key.length) : `${flag}: ${error.message}`, flag);
}
