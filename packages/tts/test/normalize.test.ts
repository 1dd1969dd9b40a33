import { test } from "node:test";
import assert from "node:assert/strict";
import { normalizeText, readableText, hasWords } from "@riff/tts";

const cases: [string, string][] = [
  // currency
  ["It costs $3.50.", "It costs three dollars and fifty cents."],
  ["$1", "one dollar"],
  ["$0.99", "ninety-nine cents"],
  ["$0.01", "one cent"],
  ["£5.20 or £1", "five pounds and twenty pence or one pound"],
  ["€3.50", "three euros and fifty cents"],
  ["$2 million", "two million dollars"],
  ["€1.5 billion", "one point five billion euros"],
  ["$1,250", "one thousand two hundred fifty dollars"],
  ["-$5", "minus five dollars"],
  // numbers
  ["I saw 3 cats.", "I saw three cats."],
  ["1,234,567 people", "one million two hundred thirty-four thousand five hundred sixty-seven people"],
  ["It was -5 outside.", "It was minus five outside."],
  ["pi is 3.14159", "pi is three point one four one five nine"],
  ["0.5 and .25", "zero point five and point two five"],
  ["4,000,000,000,000", "four trillion"],
  // ordinals
  ["the 1st and 22nd and 3rd", "the first and twenty-second and third"],
  ["his 101st birthday", "his one hundred first birthday"],
  // years
  ["In 1984, we met.", "In nineteen eighty-four, we met."],
  ["since 2005", "since two thousand five"],
  ["the 1960s", "the nineteen sixties"],
  ["the '90s", "the nineties"],
  // times
  ["at 3:30 pm", "at three thirty p m"],
  ["at 3:30 p.m.", "at three thirty p m."],
  ["at 9:05", "at nine oh five"],
  ["at 3:00.", "at three o'clock."],
  ["at 7 am", "at seven a m"],
  ["at 14:45", "at fourteen forty-five"],
  // percentages
  ["50% off", "fifty percent off"],
  ["up 3.5 %", "up three point five percent"],
  // abbreviations
  ["Dr. Smith and Mr. Jones met Mrs. Brown.", "Doctor Smith and Mister Jones met Missus Brown."],
  ["St. Louis is on Main St. now.", "Saint Louis is on Main Street now."],
  ["apples, pears, etc.", "apples, pears, et cetera."],
  ["fruit, e.g., apples", "fruit, for example, apples"],
  ["that one, i.e. this one", "that one, that is this one"],
  ["cats vs. dogs", "cats versus dogs"],
  ["No. 5", "number five"],
  // symbols
  ["salt & pepper", "salt and pepper"],
  ["2 + 2 = 4", "two plus two equals four"],
  ["me @ home", "me at home"],
  // typography
  ["wait \u2014 what\u2019s that\u2026", "wait, what's that."],
];

for (const [input, expected] of cases) {
  test(`normalizes ${JSON.stringify(input)}`, () => {
    assert.equal(normalizeText(input), expected);
  });
}

test("unreadable characters are dropped and reported; ignorable ones removed quietly", () => {
  const result = readableText(normalizeText('Hello 😀 "world" 日本 (yes)!'));
  assert.equal(result.text, "Hello world, yes!");
  assert.deepEqual(result.dropped, ["😀", "日", "本"]);
  assert.equal(readableText("café résumé").text, "café résumé");
});

test("text with nothing to say", () => {
  for (const input of ["...", "?!", "😀😀", "  \n "]) {
    const { text } = readableText(normalizeText(input));
    assert.equal(hasWords(text), false, input);
  }
  assert.equal(hasWords("a"), true);
});
