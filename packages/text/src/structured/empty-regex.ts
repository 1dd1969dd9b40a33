/**
 * Finds regular expressions that can match nothing at all, such as `[^\s\S]` or `a[]b`, so that a
 * `{ type: "regex" }` response format is refused instead of handed to xgrammar, which compiles
 * such a class to "any character" (measured with 0.1.27: `[^\s\S]` let a 4-byte character through).
 *
 * The pattern is parsed with regexpp (ECMAScript syntax, which xgrammar's converter follows);
 * a character class is empty when the code points it names cover nothing (or, negated, everything).
 * Emptiness then propagates: a sequence is empty when one element is, an alternation when all
 * branches are, a quantifier when its element is and its minimum is above 0. Only provable
 * emptiness is reported: Unicode property escapes count as non-empty; a pattern regexpp cannot
 * parse is left to the engine, whose own message names the problem.
 */
import { RegExpParser, type AST } from "@eslint-community/regexpp";

const MAX_CODE_POINT = 0x10ffff;
type Ranges = [number, number][];

/** The code points of the ECMAScript class escapes (before negation). */
const ESCAPES: Record<"digit" | "space" | "word", Ranges> = {
  digit: [[0x30, 0x39]],
  word: [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]],
  space: [[0x09, 0x0d], [0x20, 0x20], [0xa0, 0xa0], [0x1680, 0x1680], [0x2000, 0x200a], [0x2028, 0x2029], [0x202f, 0x202f], [0x205f, 0x205f], [0x3000, 0x3000], [0xfeff, 0xfeff]],
};

/**
 * Where in `pattern` a part that can match nothing starts, with its text, so the whole pattern
 * matches nothing; undefined when the pattern can match something (or does not parse).
 */
export function emptyRegexPart(pattern: string): { index: number; text: string } | undefined {
  const ast = parse(pattern, true) ?? parse(pattern, false);
  if (ast === undefined) return undefined;
  const culprit = emptyAlternatives(ast.alternatives);
  return culprit === undefined ? undefined : { index: culprit.start, text: culprit.raw };
}

/**
 * The pattern's tree: in Unicode mode first (code point escapes `\u{…}` and astral characters as
 * one code point, as xgrammar reads them), else with the looser escapes of the non-Unicode syntax.
 */
function parse(pattern: string, unicode: boolean): AST.Pattern | undefined {
  try {
    return new RegExpParser({ ecmaVersion: 2025 }).parsePattern(pattern, 0, pattern.length, { unicode });
  } catch {
    return undefined;
  }
}

/** The node that makes every alternative empty (the first one's), if all are. */
function emptyAlternatives(alternatives: readonly AST.Alternative[]): AST.Node | undefined {
  let first: AST.Node | undefined;
  for (const alternative of alternatives) {
    const culprit = emptySequence(alternative.elements);
    if (culprit === undefined) return undefined;
    first ??= culprit;
  }
  return first;
}

function emptySequence(elements: readonly AST.Element[]): AST.Node | undefined {
  for (const element of elements) {
    const culprit = emptyElement(element);
    if (culprit !== undefined) return culprit;
  }
  return undefined;
}

function emptyElement(element: AST.Element): AST.Node | undefined {
  switch (element.type) {
    case "Quantifier":
      return element.min > 0 ? emptyElement(element.element) : undefined;
    case "Group":
    case "CapturingGroup":
      return emptyAlternatives(element.alternatives);
    case "CharacterClass":
      return covered(classRanges(element)) === (element.negate ? MAX_CODE_POINT + 1 : 0) ? element : undefined;
    default:
      return undefined;
  }
}

/** The code points a class lists (before its own negation); property escapes count as one point. */
function classRanges(node: AST.CharacterClass): Ranges {
  const ranges: Ranges = [];
  for (const element of node.elements) {
    switch (element.type) {
      case "Character":
        ranges.push([element.value, element.value]);
        break;
      case "CharacterClassRange":
        ranges.push([element.min.value, element.max.value]);
        break;
      case "CharacterSet":
        if (element.kind === "property") ranges.push([-1, -1]); // unknown contents: never provably empty or full
        else ranges.push(...(element.negate ? complement(ESCAPES[element.kind]) : ESCAPES[element.kind]));
        break;
      default:
        ranges.push([-1, -1]); // set notation (v flag) is not used in this dialect: assume non-empty
    }
  }
  return ranges;
}

/** The sorted complement of `ranges` within [0, MAX_CODE_POINT]. */
function complement(ranges: Ranges): Ranges {
  const out: Ranges = [];
  let next = 0;
  for (const [low, high] of [...ranges].sort((a, b) => a[0] - b[0])) {
    if (low > next) out.push([next, low - 1]);
    next = Math.max(next, high + 1);
  }
  if (next <= MAX_CODE_POINT) out.push([next, MAX_CODE_POINT]);
  return out;
}

/** How many code points of [0, MAX_CODE_POINT] the ranges cover; -1 marks an unknown set. */
function covered(ranges: Ranges): number {
  if (ranges.some(([low]) => low < 0)) return -1;
  let count = 0;
  let next = 0;
  for (const [low, high] of [...ranges].sort((a, b) => a[0] - b[0])) {
    const from = Math.max(low, next);
    if (high >= from) count += high - from + 1;
    next = Math.max(next, high + 1);
  }
  return count;
}
