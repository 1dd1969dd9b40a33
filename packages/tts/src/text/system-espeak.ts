/**
 * The system's espeak-ng program (Debian/Ubuntu: `apt-get install espeak-ng`), for the languages
 * the bundled English-only espeak-ng lacks. It runs as a separate process — no shell, the text on
 * stdin (never parsed as options), a time limit and an output limit — and prints one IPA line per
 * clause (`espeak-ng -q --ipa -b 1 -v LANGUAGE`), the form Piper's phonemizer reads.
 *
 * A separate program rather than an npm build of espeak-ng: those (e.g. @echogarden/espeak-ng-emscripten)
 * are GPL-3.0 and would run inside riff's process.
 */

import { spawn } from "node:child_process";
import { RiffError } from "@riff/core";

const TIMEOUT_MS = 20_000;
const MAX_OUTPUT_BYTES = 1 << 20;
/** One clause of a sentence; the sentence splitter keeps sentences far shorter. */
const MAX_INPUT_CHARS = 20_000;

export interface SystemEspeak {
  /** The program's name or path. */
  readonly program: string;
  /** Its languages, voice names and files ("de", "gmw/de", "es-419", "es-mx", …) lower-cased; empty when it is not installed. */
  languages(): Promise<ReadonlySet<string>>;
  /** Whether the program could be run at all. */
  available(): Promise<boolean>;
  /** One clause → its IPA lines, in a language {@link languages} has. */
  phonemize(text: string, language: string): Promise<string[]>;
}

/** The espeak-ng found on PATH (or `program`), its voice list read once. */
export function systemEspeak(program = "espeak-ng"): SystemEspeak {
  let listed: Promise<ReadonlySet<string> | undefined> | undefined;
  const list = (): Promise<ReadonlySet<string> | undefined> => {
    listed ??= run(program, ["--voices"]).then(parseVoices, (error: unknown) => {
      if (isNotFound(error)) return undefined;
      throw error;
    });
    return listed;
  };
  return {
    program,
    languages: async () => (await list()) ?? new Set(),
    available: async () => (await list()) !== undefined,
    async phonemize(text, language) {
      if (!(await list())?.has(language.toLowerCase())) {
        throw new RiffError(`the system espeak-ng (${program}) has no voice "${language}"`, "voice");
      }
      if (text.length > MAX_INPUT_CHARS) throw new RiffError(`a clause of ${text.length} characters is too long for espeak-ng (at most ${MAX_INPUT_CHARS})`);
      const out = await run(program, ["-q", "--ipa", "-b", "1", "-v", language], text);
      return out.split("\n").map((line) => line.trim()).filter((line) => line.length > 0);
    },
  };
}

/**
 * `espeak-ng --voices`: "Pty Language Age/Gender VoiceName File Other Languages", e.g.
 * ` 5  es-419  --/M  Spanish_(Latin_America) roa/es-419  (es-mx 6)(es 6)`.
 */
export function parseVoices(listing: string): ReadonlySet<string> {
  const names = new Set<string>();
  for (const line of listing.split("\n").slice(1)) {
    const columns = line.trim().split(/\s+/);
    if (columns.length < 5 || !/^\d+$/.test(columns[0]!)) continue;
    names.add(columns[1]!.toLowerCase());
    names.add(columns[4]!.toLowerCase());
    for (const match of line.matchAll(/\(([^\s()]+) \d+\)/g)) names.add(match[1]!.toLowerCase());
  }
  return names;
}

function isNotFound(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === "ENOENT";
}

/** Runs the program without a shell; stdout as UTF-8, bounded in time and size. */
function run(program: string, args: readonly string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { shell: false, stdio: ["pipe", "pipe", "pipe"], timeout: TIMEOUT_MS, windowsHide: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let failure: Error | undefined;
    child.on("error", (error) => {
      failure ??= error;
    });
    child.stdout.on("data", (data: Buffer) => {
      size += data.length;
      if (size > MAX_OUTPUT_BYTES) {
        failure ??= new RiffError(`${program} printed more than ${MAX_OUTPUT_BYTES} bytes`);
        child.kill();
        return;
      }
      out.push(data);
    });
    child.stderr.on("data", (data: Buffer) => {
      if (err.length < 16) err.push(data);
    });
    child.stdin.on("error", () => {
      // The program exited before reading its input; its exit code says why.
    });
    child.stdin.end(input ?? "");
    child.on("close", (code, signal) => {
      if (failure !== undefined) return reject(failure);
      if (signal !== null) return reject(new RiffError(`${program} ${args.join(" ")} was stopped (${signal}${signal === "SIGTERM" ? `; limit ${TIMEOUT_MS / 1000} s` : ""})`));
      if (code !== 0) {
        const why = Buffer.concat(err).toString("utf8").trim().slice(0, 300);
        return reject(new RiffError(`${program} ${args.join(" ")} failed (exit ${code})${why ? `: ${why}` : ""}`));
      }
      resolve(Buffer.concat(out).toString("utf8"));
    });
  });
}
