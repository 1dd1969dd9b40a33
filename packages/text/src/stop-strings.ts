import { RiffError } from "@riff/core";

/** Checks stop strings once, up front: non-empty strings only. */
export function checkStopStrings(stop: string | readonly string[] | undefined): readonly string[] {
  if (stop === undefined) return [];
  const list = typeof stop === "string" ? [stop] : stop;
  if (!Array.isArray(list)) throw new RiffError("stop must be a string or an array of strings", "stop");
  for (const s of list) {
    if (typeof s !== "string" || s.length === 0) throw new RiffError(`stop strings must be non-empty strings, got ${JSON.stringify(s)}`, "stop");
  }
  return [...list];
}

/** Where the first stop string begins in `text` (earliest start; the longest on a tie), or undefined. */
export function findStopString(text: string, stops: readonly string[]): { index: number; stop: string } | undefined {
  let best: { index: number; stop: string } | undefined;
  for (const stop of stops) {
    const index = text.indexOf(stop);
    if (index < 0) continue;
    if (best === undefined || index < best.index || (index === best.index && stop.length > best.stop.length)) best = { index, stop };
  }
  return best;
}

/**
 * How many characters at the end of `text` could be the beginning of a stop string (the longest
 * such suffix). A stream holds them back until the next tokens show whether a stop string follows.
 */
export function stopPrefixLength(text: string, stops: readonly string[]): number {
  let longest = 0;
  for (const stop of stops) {
    const max = Math.min(stop.length - 1, text.length);
    for (let n = max; n > longest; n--) {
      if (text.endsWith(stop.slice(0, n))) {
        longest = n;
        break;
      }
    }
  }
  return longest;
}
