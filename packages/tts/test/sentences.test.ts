import { test } from "node:test";
import assert from "node:assert/strict";
import { splitSentences } from "@riff/tts";

const split = (text: string, maxChars?: number): string[] => [...splitSentences(text, maxChars ? { maxChars } : {})];

test("splits at . ! ? followed by space", () => {
  assert.deepEqual(split("Hello there. How are you? Great! Bye"), ["Hello there.", "How are you?", "Great!", "Bye"]);
});

test("not after titles, initials, decimals or before a lower-case word", () => {
  assert.deepEqual(split("Dr. Smith paid $3.50 today. Mr. J. R. Jones did not."), [
    "Dr. Smith paid $3.50 today.",
    "Mr. J. R. Jones did not.",
  ]);
  assert.deepEqual(split("Fruit, e.g. apples, is good. St. Paul agrees. It is 3.5 km. Done."), [
    "Fruit, e.g. apples, is good.",
    "St. Paul agrees.",
    "It is 3.5 km.",
    "Done.",
  ]);
  assert.deepEqual(split("Cats vs. Dogs is a film. Number No. 5 won."), ["Cats vs. Dogs is a film.", "Number No. 5 won."]);
});

test("etc. ends a sentence before a capital", () => {
  assert.deepEqual(split("We ate apples, pears, etc. Then we left."), ["We ate apples, pears, etc.", "Then we left."]);
});

test("closing quotes stay with their sentence; blank lines split; newlines join", () => {
  assert.deepEqual(split('He said "stop." She did.'), ['He said "stop."', "She did."]);
  assert.deepEqual(split("A title\n\nThe text\ngoes on."), ["A title", "The text goes on."]);
});

test("run-on text is cut at clause marks or spaces under maxChars", () => {
  const words = Array.from({ length: 200 }, (_, i) => `word${i}`).join(" ");
  const parts = split(words, 100);
  assert.ok(parts.length > 10);
  assert.ok(parts.every((p) => p.length <= 100));
  assert.equal(parts.join(" "), words);
  const clauses = split("one two three four five, six seven eight nine ten, eleven twelve thirteen", 40);
  assert.equal(clauses[0], "one two three four five,");
});

test("a long text streams lazily", () => {
  const text = "This is a sentence. ".repeat(5000);
  const iterator = splitSentences(text);
  assert.equal(iterator.next().value, "This is a sentence.");
  let count = 1;
  for (const _ of iterator) count++;
  assert.equal(count, 5000);
});
