/** Regular expressions that can match nothing are found before xgrammar sees them. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { emptyRegexPart } from "../src/structured/empty-regex.js";

test("a pattern whose every branch needs a character from an empty class is found, with the class and its position", () => {
  const cases: [string, string, number][] = [
    ["[^\\s\\S]", "[^\\s\\S]", 0],
    ["ab[]c", "[]", 2],
    ["[^\\w\\W]+", "[^\\w\\W]", 0],
    ["(?:a[^\\d\\D]|b[^\\u0000-\\uffff\\u{10000}-\\u{10ffff}])", "[^\\d\\D]", 4],
    ["x{2}([^\\0-\\u{10ffff}])", "[^\\0-\\u{10ffff}]", 5],
    ["\\d\\-[^\\s\\S]", "[^\\s\\S]", 4],
  ];
  for (const [pattern, text, index] of cases) assert.deepEqual(emptyRegexPart(pattern), { text, index }, pattern);
});

test("patterns that can match something, even only the empty string, are not reported", () => {
  for (const pattern of ["abc", "[^a]", "[^\\s\\S]?x", "a|[^\\s\\S]", "(?:[]){0}", "[^\\d]", "\\d{4}-\\d{2}", "[\\p{L}]", "[^\\u0000-\\u00ff]", ".*", "[0-9"]) {
    assert.equal(emptyRegexPart(pattern), undefined, pattern);
  }
});
