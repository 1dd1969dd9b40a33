import { test } from "node:test";
import assert from "node:assert/strict";
import { cardinal, decimal, ordinal, year, signedCardinal, digitWords } from "@riff/tts";

test("cardinals up to trillions", () => {
  const cases: [number | string, string][] = [
    [0, "zero"],
    [7, "seven"],
    [13, "thirteen"],
    [21, "twenty-one"],
    [40, "forty"],
    [100, "one hundred"],
    [101, "one hundred one"],
    [999, "nine hundred ninety-nine"],
    [1000, "one thousand"],
    [1001, "one thousand one"],
    ["1,234,567", "one million two hundred thirty-four thousand five hundred sixty-seven"],
    [1_000_000_000, "one billion"],
    ["999999999999999", "nine hundred ninety-nine trillion nine hundred ninety-nine billion nine hundred ninety-nine million nine hundred ninety-nine thousand nine hundred ninety-nine"],
    ["2000000000000", "two trillion"],
  ];
  for (const [value, words] of cases) assert.equal(cardinal(value), words, String(value));
});

test("beyond trillions, digit by digit; negatives; decimals", () => {
  assert.equal(cardinal("1000000000000000"), "one zero zero zero zero zero zero zero zero zero zero zero zero zero zero zero");
  assert.equal(signedCardinal("-42"), "minus forty-two");
  assert.equal(decimal("3", "14"), "three point one four");
  assert.equal(decimal("", "5"), "point five");
  assert.equal(digitWords("007"), "zero zero seven");
  assert.throws(() => cardinal("12a"), RangeError);
});

test("ordinals", () => {
  const cases: [number, string][] = [
    [1, "first"],
    [2, "second"],
    [3, "third"],
    [4, "fourth"],
    [5, "fifth"],
    [8, "eighth"],
    [9, "ninth"],
    [12, "twelfth"],
    [20, "twentieth"],
    [22, "twenty-second"],
    [100, "one hundredth"],
    [103, "one hundred third"],
    [1000000, "one millionth"],
  ];
  for (const [value, words] of cases) assert.equal(ordinal(value), words, String(value));
});

test("years", () => {
  const cases: [number, string][] = [
    [1984, "nineteen eighty-four"],
    [2005, "two thousand five"],
    [2000, "two thousand"],
    [1900, "nineteen hundred"],
    [1905, "nineteen oh five"],
    [2019, "twenty nineteen"],
    [1066, "ten sixty-six"],
    [999, "nine hundred ninety-nine"],
  ];
  for (const [value, words] of cases) assert.equal(year(value), words, String(value));
});
