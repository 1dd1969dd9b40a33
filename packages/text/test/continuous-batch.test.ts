// Continuous batching: a request inside a busy, changing batch gives the output it gets alone.
import { after, before, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadTextModel, type GenerationResult, type TextGenerationOptions, type TextModel } from "@riff/text";
import { SKIP_SHARED, hasStories, repoRoot, storiesDir } from "./helpers.js";

let stories: TextModel | undefined;
let kjv: TextModel | undefined;
before(async () => {
  if (hasStories) stories = await loadTextModel(storiesDir, { threads: 1 });
  kjv = await loadTextModel(join(repoRoot, "models", "kjv-llama"), { threads: 1 });
});
after(async () => {
  await stories?.dispose();
  await kjv?.dispose();
});

function need(t: TestContext): TextModel | undefined {
  if (stories === undefined) t.skip(SKIP_SHARED);
  return stories;
}

interface Job {
  readonly prompt: string;
  readonly options: TextGenerationOptions;
}

/**
 * What must match between a batched run and the same request alone: every token, the text, why
 * it stopped, and the logprobs' tokens. Their values are compared within 1e-3: a forward pass
 * over several rows computes each row's logits with other float roundings (about 1e-6 apart).
 */
function essence(r: GenerationResult): unknown {
  const logprobs = r.logprobs?.map((l) => ({ token: l.token, top: l.top.map((a) => a.token) }));
  return { text: r.text, tokens: r.tokens, stopReason: r.stopReason, logprobs, incomplete: r.incomplete, sequences: r.sequences.map((s) => s.tokens) };
}

function assertSame(got: readonly GenerationResult[], want: readonly GenerationResult[]): void {
  assert.deepEqual(got.map(essence), want.map(essence));
  got.forEach((r, i) =>
    r.logprobs?.forEach((l, j) => {
      const w = want[i]!.logprobs![j]!;
      assert.ok(Math.abs(l.logprob - w.logprob) < 1e-3, `request ${i} token ${j}: logprob ${l.logprob} vs ${w.logprob} alone`);
      l.top.forEach((a, k) => assert.ok(Math.abs(a.logprob - w.top[k]!.logprob) < 1e-3, `request ${i} token ${j} alternative ${k}`));
    }),
  );
}

/**
 * Runs the jobs through one continuous batch, each starting after the previous one has streamed
 * `stagger` deltas (so newcomers join a batch mid-generation), and returns their results.
 */
async function batched(model: TextModel, jobs: readonly Job[], stagger: number): Promise<GenerationResult[]> {
  const batch = model.continuousBatch({ maxRows: 8 });
  const results: Promise<GenerationResult>[] = [];
  for (const job of jobs) {
    const stream = batch.stream(job.prompt, job.options);
    const iterator = stream[Symbol.asyncIterator]();
    for (let i = 0; i < stagger; i++) if ((await iterator.next()).done) break;
    results.push(
      (async () => {
        for (let next = await iterator.next(); !next.done; next = await iterator.next()) void next;
        return stream.result;
      })(),
    );
  }
  return Promise.all(results);
}

async function alone(model: TextModel, jobs: readonly Job[]): Promise<GenerationResult[]> {
  const out: GenerationResult[] = [];
  for (const job of jobs) out.push(await model.generate(job.prompt, job.options));
  return out;
}

const PROMPTS = ["Once upon a time", "Tom had a big red ball and", "The sun", "Lily and her mom went to the park to play. They saw", "One day"];

test("stories260K: greedy requests joining a running batch give their tokens alone, token for token", async (t) => {
  const m = need(t);
  if (!m) return;
  const jobs = PROMPTS.map((prompt, i) => ({ prompt, options: { maxNewTokens: 40 + 13 * i } }));
  const together = await batched(m, jobs, 3);
  const single = await alone(m, jobs);
  assertSame(together, single);
  assert.ok(together.every((r) => r.tokenCount > 0));
});

test("stories260K: sampled requests keep their own seeded Rng, stop strings, logprobs and num_return_sequences", async (t) => {
  const m = need(t);
  if (!m) return;
  const jobs: Job[] = [
    { prompt: PROMPTS[0]!, options: { temperature: 0.9, topK: 20, seed: 7, maxNewTokens: 60 } },
    { prompt: PROMPTS[1]!, options: { temperature: 1.2, topP: 0.9, seed: 11, maxNewTokens: 50, stop: ["."] } },
    { prompt: PROMPTS[2]!, options: { temperature: 0.7, seed: 3, maxNewTokens: 30, logprobs: true, topLogprobs: 3, repetitionPenalty: 1.3 } },
    { prompt: PROMPTS[3]!, options: { maxNewTokens: 25, logprobs: true } },
    { prompt: PROMPTS[4]!, options: { temperature: 0.8, seed: 5, maxNewTokens: 35, minP: 0.05 } },
  ];
  const together = await batched(m, jobs, 2);
  const single = await alone(m, jobs);
  assertSame(together, single);
  assert.equal(together[1]!.stopReason, "stop_string");
  assert.equal(together[2]!.logprobs?.length, together[2]!.tokenCount);

  const batch = m.continuousBatch();
  const [many, other] = await Promise.all([
    batch.generate(PROMPTS[0]!, { temperature: 1, seed: 9, numReturnSequences: 3, maxNewTokens: 20 }),
    batch.generate(PROMPTS[2]!, { maxNewTokens: 30 }),
  ]);
  const manyAlone = await m.generate(PROMPTS[0]!, { temperature: 1, seed: 9, numReturnSequences: 3, maxNewTokens: 20 });
  assert.deepEqual(essence(many), essence(manyAlone));
  assert.deepEqual(essence(other), essence(await m.generate(PROMPTS[2]!, { maxNewTokens: 30 })));
});

test("stories260K: a response format in the batch is the one alone; bad options and beams do not disturb the others", async (t) => {
  const m = need(t);
  if (!m) return;
  const batch = m.continuousBatch();
  const format = { type: "regex", pattern: "[a-z ]{3,20}\\." } as const;
  const calls = [
    batch.generate(PROMPTS[0]!, { maxNewTokens: 40 }),
    batch.generate(PROMPTS[1]!, { maxNewTokens: 30, responseFormat: format }),
    batch.generate(PROMPTS[2]!, { temperature: -1 }),
    batch.generate(PROMPTS[3]!, { numBeams: 3, maxNewTokens: 15 }),
    batch.generate(PROMPTS[4]!, { temperature: 0.9, seed: 2, maxNewTokens: 45 }),
  ];
  const settled = await Promise.allSettled(calls);
  assert.equal(settled[2]!.status, "rejected");
  assert.match(String((settled[2] as PromiseRejectedResult).reason), /temperature/);
  const expected = [
    await m.generate(PROMPTS[0]!, { maxNewTokens: 40 }),
    await m.generate(PROMPTS[1]!, { maxNewTokens: 30, responseFormat: format }),
    undefined,
    await m.generate(PROMPTS[3]!, { numBeams: 3, maxNewTokens: 15 }),
    await m.generate(PROMPTS[4]!, { temperature: 0.9, seed: 2, maxNewTokens: 45 }),
  ];
  settled.forEach((s, i) => {
    if (i === 2) return;
    assert.equal(s.status, "fulfilled", `request ${i}`);
    assert.deepEqual(essence((s as PromiseFulfilledResult<GenerationResult>).value), essence(expected[i]!), `request ${i}`);
  });
  assert.match((settled[1] as PromiseFulfilledResult<GenerationResult>).value.text, /^[a-z ]{3,20}\.?$/);
});

test("stories260K: streams that leave or abort free their rows at the next step; the others finish unchanged", async (t) => {
  const m = need(t);
  if (!m) return;
  const batch = m.continuousBatch();
  const controller = new AbortController();
  const leaving = batch.stream(PROMPTS[0]!, { maxNewTokens: 200, minNewTokens: 200 });
  const aborted = batch.stream(PROMPTS[1]!, { maxNewTokens: 200, minNewTokens: 200, signal: controller.signal });
  const staying = PROMPTS.slice(2).map((p) => batch.generate(p, { maxNewTokens: 60 }));
  let read = 0;
  for await (const _ of leaving) if (++read === 5) break;
  controller.abort();
  const abortedResult = await aborted.result;
  assert.equal(abortedResult.stopReason, "aborted");
  assert.equal((await leaving.result).stopReason, "aborted");
  assert.ok(abortedResult.tokenCount < 200);
  const results = await Promise.all(staying);
  const expected = await alone(m, PROMPTS.slice(2).map((prompt) => ({ prompt, options: { maxNewTokens: 60 } })));
  assertSame(results, expected);
  const stats = batch.stats;
  assert.equal(stats.freed.aborted, 2);
  assert.equal(stats.freed.finished, 3);
  assert.equal(stats.rows, 0);
  assert.ok(stats.rowSteps > stats.steps, "rows shared forward passes");
});

test("kjv-llama (the default model): greedy and seeded requests inside a busy batch equal their runs alone", async () => {
  const m = kjv!;
  const prompts = ["In the beginning", "And the LORD said unto Moses,", "Blessed are the", "For God so loved"];
  const jobs: Job[] = prompts.flatMap((prompt, i) => [
    { prompt, options: { maxNewTokens: 30 + 10 * i } },
    { prompt, options: { temperature: 0.8, seed: 100 + i, maxNewTokens: 40 } },
  ]);
  const together = await batched(m, jobs, 2);
  const single = await alone(m, jobs);
  assertSame(together, single);
});

test("kjv-llama: requests that join the moment the previous ones finish are served (the ending loop starts the next)", async () => {
  const batch = kjv!.continuousBatch({ maxRows: 8 });
  const wave = (seed: number): Promise<number[]> =>
    Promise.all(
      [0, 1, 2, 3].map(async (i) => {
        let tokens = 0;
        for await (const delta of batch.stream("In the beginning", { maxNewTokens: 6, minNewTokens: 6, temperature: 0.8, seed: seed + i })) tokens += delta.tokens.length;
        return tokens;
      }),
    );
  for (let round = 0; round < 3; round++) assert.deepEqual(await wave(10 * round), [6, 6, 6, 6], `round ${round}`);
  assert.equal(batch.stats.freed.finished, 12);
});
