/**
 * The SSML subset riff speaks, parsed with saxes (a streaming XML parser) into utterances:
 * `<speak>`, `<p>`, `<s>`, `<break time|strength>`, `<say-as interpret-as>`, `<sub alias>`,
 * `<phoneme alphabet="ipa" ph>` and `<prosody rate>` (nested rates multiply). `<speak>` may be
 * left out. Anything else, and XML that is not well formed, is a RiffError naming the line and column.
 */
import { SaxesParser, type SaxesTagPlain } from "saxes";
import { optionError, type RiffError } from "@riff/core";
import { splitSentences } from "../text/sentences.js";
import { SAY_AS, sayAs, type SayAs } from "./say-as.js";
import type { Fragment, Utterance } from "./utterance.js";

/** The longest break, in seconds. */
const MAX_BREAK = 10;
const STRENGTHS: Readonly<Record<string, number>> = { none: 0, "x-weak": 0.1, weak: 0.25, medium: 0.4, strong: 0.75, "x-strong": 1.2 };
const RATES: Readonly<Record<string, number>> = { "x-slow": 0.5, slow: 0.75, medium: 1, default: 1, fast: 1.25, "x-fast": 1.5 };
const ELEMENTS = ["speak", "p", "s", "break", "say-as", "sub", "phoneme", "prosody"];

/** The element whose text is being gathered (say-as, sub, phoneme). */
interface Capture {
  readonly name: string;
  readonly attributes: Record<string, string>;
  text: string;
}

/** `time="500ms"`, `"1.5s"` or a strength → seconds, or undefined if unreadable. */
export function breakSeconds(attributes: Record<string, string>): number | undefined {
  const time = attributes.time?.trim();
  if (time !== undefined) {
    const m = /^(\d+(?:\.\d+)?|\.\d+)\s*(ms|s)$/i.exec(time);
    if (!m) return undefined;
    const seconds = Number(m[1]) / (m[2]!.toLowerCase() === "ms" ? 1000 : 1);
    return seconds <= MAX_BREAK ? seconds : undefined;
  }
  return STRENGTHS[attributes.strength?.trim() ?? "medium"];
}

/** `rate="slow"`, `"150%"`, `"+20%"`, `"-10%"` or `"1.5"` → a multiplier in [0.25, 4], or undefined. */
export function rateValue(rate: string): number | undefined {
  const text = rate.trim().toLowerCase();
  const named = RATES[text];
  if (named !== undefined) return named;
  const m = /^([+-])?(\d+(?:\.\d+)?)(%)?$/.exec(text);
  if (!m) return undefined;
  const n = Number(m[2]);
  const value = m[3] ? (m[1] ? 1 + (m[1] === "-" ? -n : n) / 100 : n / 100) : m[1] ? undefined : n;
  return value !== undefined && value >= 0.25 && value <= 4 ? value : undefined;
}

const sentenceEnd = (text: string): boolean => /[.!?]["')\]]*\s*$/.test(text);

export function parseSsml(ssml: string): Utterance[] {
  const parser = new SaxesParser({ fragment: true, position: true, xmlns: false });
  const utterances: Utterance[] = [];
  const rates: number[] = [1];
  let fragments: Fragment[] = [];
  let pending: number | undefined;
  let capture: Capture | undefined;
  const fail = (message: string): RiffError => {
    const where = `line ${parser.line}, column ${parser.column + 1}`;
    return optionError("text", `{text} is not valid SSML at ${where}: ${message.replace(/[{}]/g, "")}`);
  };
  const flush = (): void => {
    const spoken = fragments.some((f) => f.kind === "ipa" || f.text.trim() !== "");
    const written = fragments.map((f) => f.text).join("").replace(/\s+/g, " ").trim();
    const rate = rates.at(-1)!;
    if (spoken && fragments.every((f) => f.kind === "text")) {
      let first = true;
      for (const sentence of splitSentences(written)) {
        utterances.push({ written: sentence, fragments: [{ kind: "text", text: sentence }], rate, pauseBefore: first ? pending : undefined });
        first = false;
      }
    } else if (spoken) {
      utterances.push({ written, fragments, rate, pauseBefore: pending });
    }
    if (spoken) pending = sentenceEnd(written) ? undefined : 0;
    fragments = [];
  };
  const addBreak = (seconds: number): void => {
    flush();
    pending = (pending ?? 0) + seconds;
  };

  parser.on("opentag", (tag: SaxesTagPlain) => {
    const { name, attributes } = tag;
    if (!ELEMENTS.includes(name)) throw fail(`unsupported element <${name}> (riff speaks ${ELEMENTS.map((e) => `<${e}>`).join(", ")})`);
    if (capture !== undefined) throw fail(`<${name}> inside <${capture.name}>, which holds text only`);
    switch (name) {
      case "break": {
        const seconds = breakSeconds(attributes);
        if (seconds === undefined) throw fail(`<break> needs time="…ms" or "…s" (at most ${MAX_BREAK} s) or a strength (${Object.keys(STRENGTHS).join(", ")})`);
        addBreak(seconds);
        break;
      }
      case "prosody": {
        flush();
        const rate = attributes.rate === undefined ? 1 : rateValue(attributes.rate);
        if (rate === undefined) throw fail(`<prosody rate="${attributes.rate}"> is not a rate (x-slow … x-fast, or a percentage 25%–400%)`);
        rates.push(rates.at(-1)! * rate);
        break;
      }
      case "say-as": {
        const kind = attributes["interpret-as"];
        if (!SAY_AS.includes(kind as SayAs)) throw fail(`<say-as interpret-as="${kind ?? ""}">: riff reads ${SAY_AS.join(", ")}`);
        capture = { name, attributes, text: "" };
        break;
      }
      case "sub":
        if (attributes.alias === undefined) throw fail("<sub> needs an alias");
        capture = { name, attributes, text: "" };
        break;
      case "phoneme":
        if ((attributes.alphabet ?? "ipa").toLowerCase() !== "ipa") throw fail(`<phoneme alphabet="${attributes.alphabet}">: only "ipa" is read`);
        if (!attributes.ph?.trim()) throw fail("<phoneme> needs ph, the IPA to say");
        capture = { name, attributes, text: "" };
        break;
      default: // speak, p, s
        flush();
    }
  });
  parser.on("text", (text: string) => {
    if (capture !== undefined) capture.text += text;
    else fragments.push({ kind: "text", text });
  });
  parser.on("closetag", (tag: SaxesTagPlain) => {
    const { name } = tag;
    if (capture !== undefined && name === capture.name) {
      const { attributes, text } = capture;
      capture = undefined;
      if (name === "sub") fragments.push({ kind: "text", text: ` ${attributes.alias!} ` });
      else if (name === "phoneme") fragments.push({ kind: "ipa", ipa: attributes.ph!.trim(), text: text.trim() || attributes.ph!.trim() });
      else {
        const words = sayAs(attributes["interpret-as"] as SayAs, text);
        if (words === undefined) throw fail(`<say-as interpret-as="${attributes["interpret-as"]}"> cannot read "${text.trim()}"`);
        fragments.push({ kind: "text", text: ` ${words} ` });
      }
    } else if (name === "prosody") {
      flush();
      rates.pop();
    } else if (name !== "break") {
      flush();
    }
  });
  parser.on("error", (error: Error) => {
    const m = /^(?:[^:]*:)?(\d+):(\d+): (.*)$/s.exec(error.message);
    const message = (m ? `line ${m[1]}, column ${Number(m[2]) + 1}: ${m[3]}` : error.message).replace(/[{}]/g, "");
    throw optionError("text", `{text} is not well-formed SSML at ${message}`);
  });
  parser.write(ssml).close();
  flush();
  const last = utterances.at(-1);
  if (last !== undefined && pending !== undefined && pending > 0) utterances[utterances.length - 1] = { ...last, pauseAfter: pending };
  return utterances;
}
