/**
 * espeak-ng for English as a real WebAssembly module (packages/tts/espeak/: espeak-ng.wasm, built
 * by build.sh from espeak-ng's sources with riff's glue, and espeak-ng-en.pack, its English data).
 *
 * The module is compiled once per process and instantiated on first use; espeak-ng is initialized
 * once and a voice is selected only when the language changes. Each call makes the phonemes the
 * way the npm `phonemizer` 1.2.1 did (espeak_Synth with an IPA phoneme trace, one line per clause),
 * without rendering the audio. The module needs no Emscripten runtime: its imports are a handful
 * of WASI calls (clock, environment, stderr) answered here.
 *
 * One instance serves every caller, one call at a time: a call's work inside the module is
 * synchronous (set the voice, phonemize, read the trace), so calls never interleave.
 */

import { readFile } from "node:fs/promises";
import { RiffError } from "@riff/core";

/** The directory with espeak-ng.wasm and its data (the same from src/text/ and dist/text/). */
const ESPEAK_DIR = new URL("../../espeak/", import.meta.url);
export const ESPEAK_WASM_URL = new URL("espeak-ng.wasm", ESPEAK_DIR);
export const ESPEAK_DATA_URL = new URL("espeak-ng-en.pack", ESPEAK_DIR);

/** A voice of espeak_ListVoices: "gmw/en-US", "English (America)", [{ name: "en-us", priority: 2 }, …]. */
export interface EspeakVoice {
  readonly identifier: string;
  readonly name: string;
  readonly languages: ReadonlyArray<{ readonly name: string; readonly priority: number }>;
}

// The few WebAssembly APIs used here (the Node types riff builds with do not declare them).
interface WasmModule {
  readonly __wasmModule?: never;
}
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
declare const WebAssembly: {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  instantiate(module: WasmModule, imports: Record<string, Record<string, (...args: never[]) => unknown>>): Promise<{ readonly exports: unknown }>;
};

interface EspeakExports {
  readonly memory: WasmMemory;
  _initialize(): void;
  riff_alloc(size: number): number;
  riff_free(pointer: number): void;
  riff_espeak_init(pack: number, size: number): number;
  riff_espeak_set_voice(name: number): number;
  riff_espeak_phonemize(text: number): number;
  riff_espeak_output_size(): number;
  riff_espeak_list_voices(): number;
}

class Espeak {
  private voice: string | undefined;
  private readonly encoder = new TextEncoder();
  private readonly decoder = new TextDecoder();
  readonly voices: readonly EspeakVoice[];
  /** Voice identifiers and language names, lower-cased. */
  readonly languages: ReadonlySet<string>;

  constructor(private readonly exports: EspeakExports, pack: Uint8Array) {
    exports._initialize();
    // The pack stays in the module's memory: espeak-ng's files are read from it in place.
    const packPointer = this.copyIn(pack);
    const rate = exports.riff_espeak_init(packPointer, pack.length);
    if (rate <= 0) throw new RiffError(`espeak-ng (WASM) failed to initialize (${rate})`);
    const listing = exports.riff_espeak_list_voices();
    if (listing === 0) throw new RiffError("espeak-ng (WASM) could not list its voices");
    this.voices = parseVoiceListing(this.readString(listing));
    exports.riff_free(listing);
    const names = new Set<string>();
    for (const voice of this.voices) {
      names.add(voice.identifier.toLowerCase());
      for (const language of voice.languages) names.add(language.name.toLowerCase());
    }
    this.languages = names;
  }

  /** `text` → espeak's IPA lines (one per clause, empty lines dropped), in `language`'s voice. */
  phonemize(text: string, language: string): string[] {
    if (!this.languages.has(language.toLowerCase())) {
      throw new RiffError(`the bundled espeak-ng has no voice ${JSON.stringify(language)} (it has: ${[...this.languages].sort().join(", ")})`, "voice");
    }
    if (this.voice !== language) {
      const name = this.copyIn(this.encoder.encode(`${language}\0`));
      const status = this.exports.riff_espeak_set_voice(name);
      this.exports.riff_free(name);
      if (status !== 0) throw new RiffError(`espeak-ng could not select the voice ${JSON.stringify(language)} (${status})`, "voice");
      this.voice = language;
    }
    const input = this.copyIn(this.encoder.encode(`${text}\0`));
    const trace = this.exports.riff_espeak_phonemize(input);
    this.exports.riff_free(input);
    if (trace === 0) return [];
    const ipa = this.decoder.decode(new Uint8Array(this.exports.memory.buffer, trace, this.exports.riff_espeak_output_size()));
    return ipa.split("\n").filter((line) => line.length > 0);
  }

  private copyIn(bytes: Uint8Array): number {
    const pointer = this.exports.riff_alloc(bytes.length);
    if (pointer === 0) throw new RiffError("espeak-ng (WASM) is out of memory");
    new Uint8Array(this.exports.memory.buffer, pointer, bytes.length).set(bytes);
    return pointer;
  }

  private readString(pointer: number): string {
    const memory = new Uint8Array(this.exports.memory.buffer);
    let end = pointer;
    while (memory[end] !== 0) end++;
    return this.decoder.decode(memory.subarray(pointer, end));
  }
}

/** "identifier\tname\tpriority:language,…" lines → voices. */
function parseVoiceListing(listing: string): EspeakVoice[] {
  return listing
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => {
      const [identifier = "", name = "", languages = ""] = line.split("\t");
      return {
        identifier,
        name,
        languages: languages
          .split(",")
          .filter((entry) => entry.length > 0)
          .map((entry) => {
            const colon = entry.indexOf(":");
            return { priority: Number(entry.slice(0, colon)), name: entry.slice(colon + 1) };
          }),
      };
    });
}

let compiled: Promise<WasmModule> | undefined;
let instance: Promise<Espeak> | undefined;

/** Compiles espeak-ng.wasm, once per process. */
function compileEspeakWasm(): Promise<WasmModule> {
  compiled ??= readFile(ESPEAK_WASM_URL).then(
    (bytes) => WebAssembly.compile(bytes),
    (error: unknown) => {
      throw new RiffError(`riff's espeak-ng is missing (${ESPEAK_WASM_URL.pathname}: ${(error as Error).message}); rebuild it with packages/tts/espeak/build.sh`);
    },
  );
  return compiled;
}

function espeak(): Promise<Espeak> {
  instance ??= (async () => {
    const [module, pack] = await Promise.all([
      compileEspeakWasm(),
      readFile(ESPEAK_DATA_URL).catch((error: unknown) => {
        throw new RiffError(`riff's espeak-ng data is missing (${ESPEAK_DATA_URL.pathname}: ${(error as Error).message}); rebuild it with packages/tts/espeak/build.sh`);
      }),
    ]);
    let memory: WasmMemory | undefined;
    const view = (): DataView => new DataView(memory!.buffer);
    const ENOSYS = 52;
    const ESPIPE = 70;
    const wasi = {
      clock_time_get: (_id: number, _precision: bigint, out: number): number => {
        view().setBigUint64(out, BigInt(Date.now()) * 1_000_000n, true);
        return 0;
      },
      environ_sizes_get: (count: number, size: number): number => {
        view().setUint32(count, 0, true);
        view().setUint32(size, 0, true);
        return 0;
      },
      environ_get: (): number => 0,
      // espeak-ng's warnings to stderr are dropped (phonemizer printed them to the console).
      fd_write: (_fd: number, iovs: number, count: number, written: number): number => {
        let total = 0;
        for (let i = 0; i < count; i++) total += view().getUint32(iovs + 8 * i + 4, true);
        view().setUint32(written, total, true);
        return 0;
      },
      fd_seek: (): number => ESPIPE,
      fd_close: (): number => 0,
      proc_exit: (code: number): never => {
        throw new RiffError(`espeak-ng (WASM) exited (${code})`);
      },
    };
    const env = {
      emscripten_notify_memory_growth: (): void => {},
      __syscall_unlink: (): number => -ENOSYS,
      __syscall_rmdir: (): number => -ENOSYS,
      __syscall_lstat64: (): number => -ENOSYS,
    };
    const created = await WebAssembly.instantiate(module, { env, wasi_snapshot_preview1: wasi });
    const exports = created.exports as EspeakExports;
    memory = exports.memory;
    return new Espeak(exports, new Uint8Array(pack.buffer, pack.byteOffset, pack.byteLength));
  })();
  instance.catch(() => {
    instance = undefined;
  });
  return instance;
}

/** One clause (or more) → espeak's IPA lines, one per clause, as phonemizer 1.2.1 returned them. */
export async function espeakWasmPhonemize(text: string, language: string): Promise<string[]> {
  return (await espeak()).phonemize(text, language);
}

/** The bundled espeak-ng's voices (English only). */
export async function espeakWasmVoices(): Promise<readonly EspeakVoice[]> {
  return (await espeak()).voices;
}

/** The voice identifiers and language names the bundled espeak-ng has ("en-us", "gmw/en-us", …), lower-cased. */
export async function espeakWasmLanguages(): Promise<ReadonlySet<string>> {
  return (await espeak()).languages;
}
