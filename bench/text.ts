/**
 * Text: riff against @huggingface/transformers on the same model, prompt and onnxruntime-node,
 * measured side by side in one process with alternating repetitions (the order rotates every
 * repetition), so that load from other jobs falls on both alike. Reports medians.
 *
 * riff's greedy decoding runs twice: as a user gets it (prompt lookup drafts on, the default: the
 * same tokens in fewer forward passes) and plain (prompt_lookup_num_tokens 0: one forward pass per
 * token, as transformers.js runs). Figures:
 * - riff ÷ transformers tokens/s: wall time of prompt text → N new tokens → text, the same for
 *   both (tokenize, generate, detokenize); decode-only tokens/s and prefill ms for each too; the
 *   same for riff's plain loop.
 * - riff's loop overhead: the share of riff's step time (runSteps' stepMs, summed) not spent
 *   inside onnxruntime's session.run (OnnxSession.stats, through TextModel.sessionStats()), for
 *   the default and for the plain loop.
 * - 4-beam ÷ greedy wall time for the same N new tokens (min_new_tokens = N keeps both at N),
 *   against the plain loop (beam search feeds one token per beam per pass as it does), and for
 *   reference against the default.
 *
 * Where the difference comes from: both libraries' time inside onnxruntime's session.run per
 * step (riff's from its session counters, transformers.js's by timing its session's run), and
 * the bounds they put on the ratios: hf wall ÷ riff's plain session.run time is the riff ÷
 * transformers ratio a one-pass-per-token loop would reach with no time at all outside
 * session.run, and 4-beam ÷ greedy session.run time is the beam ratio with no beam bookkeeping.
 *
 * Environment: RIFF_BENCH_TEXT_MODEL (model folder, default ../shared/models/stories260K),
 * RIFF_BENCH_REPS (measured repetitions, default 25), RIFF_BENCH_THREADS (onnxruntime intra-op
 * threads for both, default 1; "auto" leaves onnxruntime's choice), RIFF_BENCH_TEXT_SECONDS (time
 * budget of the measured repetitions, default 100: fewer run when the machine is slow, at least 5).
 */
import { existsSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadTextModel, type TextModel } from "@riff/text";
import { AutoModelForCausalLM, AutoTokenizer, BaseStreamer, env, type PreTrainedModel, type PreTrainedTokenizer, type Tensor, type TextStreamer } from "@huggingface/transformers";
import { goal, median, positiveInt, round, skipped, spread, type BenchSection } from "./section.js";

const PROMPT = "Once upon a time";
const NEW_TOKENS = 200;
const BEAMS = 4;
const WARMUP = 2;
const MIN_REPS = 5;

const repoRoot = fileURLToPath(new URL("../", import.meta.url));
const modelDir = resolve(repoRoot, process.env.RIFF_BENCH_TEXT_MODEL ?? "../shared/models/stories260K");

interface GreedyRun {
  readonly wallMs: number;
  readonly prefillMs: number;
  readonly decodeTokensPerSecond: number;
  readonly tokens: readonly number[];
  /** Time inside session.run (summed) and the number of runs. */
  readonly onnxMs: number;
  readonly runs: number;
}

interface RiffGreedyRun extends GreedyRun {
  /** Summed step time (prefill step + decode steps). */
  readonly stepMs: number;
}

/** Counts transformers.js's session.run calls and the time spent awaiting them. */
interface RunTimer {
  runs: number;
  ms: number;
}

/**
 * Wraps the run method of transformers.js's decoder session (it calls session.run(feeds) on the
 * instance), measured the same way as riff's OnnxSession.stats: from the call to the resolved
 * outputs.
 */
function timeSessionRuns(model: PreTrainedModel): RunTimer {
  const timer: RunTimer = { runs: 0, ms: 0 };
  const sessions = (model as unknown as { sessions: Record<string, { run: (...args: unknown[]) => Promise<unknown> }> }).sessions;
  const session = sessions.model;
  if (session === undefined) throw new Error("transformers.js model has no 'model' session to time");
  const run = session.run.bind(session);
  session.run = async (...args: unknown[]): Promise<unknown> => {
    const start = performance.now();
    const result = await run(...args);
    timer.ms += performance.now() - start;
    timer.runs++;
    return result;
  };
  return timer;
}

interface BeamRun {
  readonly wallMs: number;
  readonly stepMs: number;
  readonly onnxMs: number;
}

class Timestamps extends BaseStreamer {
  readonly times: number[] = [];
  override put(): void {
    this.times.push(performance.now());
  }
  override end(): void {}
}

/** riff's greedy decoding: by default with prompt lookup drafts, or plain (`draftTokens` 0: one token per forward pass). */
async function riffGreedy(model: TextModel, draftTokens?: number): Promise<RiffGreedyRun> {
  const before = model.sessionStats();
  const start = performance.now();
  const result = await model.generate(PROMPT, {
    maxNewTokens: NEW_TOKENS,
    minNewTokens: NEW_TOKENS,
    doSample: false,
    ...(draftTokens !== undefined ? { promptLookupNumTokens: draftTokens } : {}),
  });
  const wallMs = performance.now() - start;
  const after = model.sessionStats();
  expectLength("riff greedy", result.tokenCount);
  // tokensPerSecond = decode steps / their summed stepMs (see GenerationResult), so this recovers the sum.
  const decodeMs = ((NEW_TOKENS - 1) * 1000) / result.tokensPerSecond;
  return {
    wallMs,
    prefillMs: result.prefillMs,
    decodeTokensPerSecond: result.tokensPerSecond,
    tokens: result.tokens,
    stepMs: result.prefillMs + decodeMs,
    onnxMs: after.runMs - before.runMs,
    runs: after.runs - before.runs,
  };
}

async function riffBeam(model: TextModel): Promise<BeamRun> {
  const before = model.sessionStats();
  const start = performance.now();
  const result = await model.generate(PROMPT, { maxNewTokens: NEW_TOKENS, minNewTokens: NEW_TOKENS, numBeams: BEAMS });
  const wallMs = performance.now() - start;
  const after = model.sessionStats();
  expectLength(`riff ${BEAMS}-beam`, result.tokenCount);
  return {
    wallMs,
    stepMs: result.prefillMs + ((NEW_TOKENS - 1) * 1000) / result.tokensPerSecond,
    onnxMs: after.runMs - before.runMs,
  };
}

async function transformersGreedy(tokenizer: PreTrainedTokenizer, model: PreTrainedModel, timer: RunTimer): Promise<GreedyRun> {
  const streamer = new Timestamps();
  const before = { ...timer };
  const start = performance.now();
  const inputs = tokenizer(PROMPT);
  const generateStart = performance.now();
  const output = (await model.generate({
    ...inputs,
    max_new_tokens: NEW_TOKENS,
    min_new_tokens: NEW_TOKENS,
    do_sample: false,
    // generate() takes any BaseStreamer (GenerationFunctionParameters); the merged typing asks for a TextStreamer.
    streamer: streamer as unknown as TextStreamer,
  })) as Tensor;
  const promptLength = (inputs.input_ids as Tensor).dims.at(-1) ?? 0;
  const tokens = Array.from(output.data as BigInt64Array, Number).slice(promptLength);
  tokenizer.decode(tokens, { skip_special_tokens: true });
  const wallMs = performance.now() - start;
  expectLength("transformers greedy", tokens.length);
  // put() is called once with the prompt, then once per new token.
  const [, first, ...rest] = streamer.times;
  const last = rest.at(-1);
  if (first === undefined || last === undefined || streamer.times.length !== NEW_TOKENS + 1) {
    throw new Error(`transformers streamer saw ${streamer.times.length} puts, expected ${NEW_TOKENS + 1}`);
  }
  return {
    wallMs,
    prefillMs: first - generateStart,
    decodeTokensPerSecond: ((NEW_TOKENS - 1) * 1000) / (last - first),
    tokens,
    onnxMs: timer.ms - before.ms,
    runs: timer.runs - before.runs,
  };
}

function expectLength(what: string, count: number): void {
  if (count !== NEW_TOKENS) throw new Error(`${what} produced ${count} tokens, expected ${NEW_TOKENS}`);
}

async function run(): Promise<Record<string, unknown>> {
  if (!existsSync(resolve(modelDir, "config.json"))) {
    return skipped(`no text model at ${modelDir} (the reference models live in ../shared/models)`);
  }
  const reps = positiveInt("RIFF_BENCH_REPS", 25);
  const budgetMs = positiveInt("RIFF_BENCH_TEXT_SECONDS", 100) * 1000;
  const threadsSetting = process.env.RIFF_BENCH_THREADS ?? "1";
  const threads = threadsSetting === "auto" ? undefined : positiveInt("RIFF_BENCH_THREADS", 1);

  const riff = await loadTextModel(modelDir, threads !== undefined ? { threads } : {});
  env.allowRemoteModels = false;
  env.localModelPath = dirname(modelDir);
  const name = basename(modelDir);
  const tokenizer = await AutoTokenizer.from_pretrained(name);
  const transformers = await AutoModelForCausalLM.from_pretrained(name, {
    dtype: "fp32",
    session_options: { graphOptimizationLevel: "all", ...(threads !== undefined ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}) },
  });
  const transformersTimer = timeSessionRuns(transformers);

  const riffRuns: RiffGreedyRun[] = [];
  const plainRuns: RiffGreedyRun[] = [];
  const beamRuns: BeamRun[] = [];
  const hfRuns: GreedyRun[] = [];
  try {
    const variants: readonly (() => Promise<void>)[] = [
      async () => void riffRuns.push(await riffGreedy(riff)),
      async () => void plainRuns.push(await riffGreedy(riff, 0)),
      async () => void hfRuns.push(await transformersGreedy(tokenizer, transformers, transformersTimer)),
      async () => void beamRuns.push(await riffBeam(riff)),
    ];
    let measuredStart = performance.now();
    for (let i = 0; i < WARMUP + reps; i++) {
      if (i === WARMUP) {
        // The warm-up ran the same code paths; its figures are dropped.
        for (const list of [riffRuns, plainRuns, hfRuns, beamRuns]) list.length = 0;
        measuredStart = performance.now();
      }
      if (riffRuns.length >= MIN_REPS && performance.now() - measuredStart > budgetMs) {
        console.error(`[bench] text: time budget reached after ${riffRuns.length} repetitions`);
        break;
      }
      // Rotate the order so that no variant always runs first or after the same neighbour.
      for (let k = 0; k < variants.length; k++) await variants[(i + k) % variants.length]!();
      if (i >= WARMUP) console.error(`[bench] text: repetition ${i - WARMUP + 1}/${reps}`);
    }
  } finally {
    await riff.dispose();
    await transformers.dispose();
  }

  const n = riffRuns.length;
  const paired = <T>(f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));
  const wallRatio = paired((i) => hfRuns[i]!.wallMs / riffRuns[i]!.wallMs);
  const plainWallRatio = paired((i) => hfRuns[i]!.wallMs / plainRuns[i]!.wallMs);
  const lookupSpeedup = paired((i) => plainRuns[i]!.wallMs / riffRuns[i]!.wallMs);
  const decodeRatio = paired((i) => riffRuns[i]!.decodeTokensPerSecond / hfRuns[i]!.decodeTokensPerSecond);
  const overheadOf = (runs: readonly RiffGreedyRun[]): number[] => runs.map((r) => 1 - r.onnxMs / r.stepMs);
  const overheadOfWall = plainRuns.map((r) => 1 - r.onnxMs / r.wallMs);
  const beamOverhead = beamRuns.map((r) => 1 - r.onnxMs / r.stepMs);
  const beamRatio = paired((i) => beamRuns[i]!.wallMs / plainRuns[i]!.wallMs);
  const beamOverDefaultRatio = paired((i) => beamRuns[i]!.wallMs / riffRuns[i]!.wallMs);
  const beamOnnxRatio = paired((i) => beamRuns[i]!.onnxMs / plainRuns[i]!.onnxMs);
  const ceiling = paired((i) => hfRuns[i]!.wallMs / plainRuns[i]!.onnxMs);
  const runRatio = paired((i) => hfRuns[i]!.onnxMs / hfRuns[i]!.runs / (plainRuns[i]!.onnxMs / plainRuns[i]!.runs));
  const outsidePerToken = (runs: readonly GreedyRun[]): number[] => runs.map((r) => (r.wallMs - r.onnxMs) / NEW_TOKENS);
  const tps = (runs: readonly { wallMs: number }[]): number[] => runs.map((r) => (NEW_TOKENS * 1000) / r.wallMs);
  const same = (runs: readonly GreedyRun[]): boolean => runs.every((r, i) => r.tokens.every((t, j) => t === hfRuns[i]!.tokens[j]));
  if (plainRuns.some((r) => r.runs !== NEW_TOKENS)) throw new Error("riff's plain greedy ran a number of forward passes other than one per token");
  if (hfRuns.some((r) => r.runs !== NEW_TOKENS)) throw new Error("transformers.js ran a number of session runs other than one per token");

  return {
    model: modelDir,
    prompt: PROMPT,
    newTokens: NEW_TOKENS,
    repetitions: n,
    warmup: WARMUP,
    threads: threads ?? "onnxruntime default",
    sameTokensAsTransformers: same(riffRuns) && same(plainRuns),
    riffOverTransformersTokensPerSecond: goal(round(median(wallRatio)), "≥", 1.3),
    riffLoopOverheadShare: goal(round(median(overheadOf(riffRuns))), "≤", 0.03),
    beam4OverGreedyWallTime: goal(round(median(beamRatio)), "≤", 1.8),
    // riff's greedy default drafts tokens by prompt lookup (same tokens, fewer forward passes).
    // The plain one-token-per-pass loop is what the per-step figures and the beam ratio compare:
    // beam search runs that loop too, four rows wide.
    forwardPassesPerToken: { riffDefault: round(median(riffRuns.map((r) => r.runs / NEW_TOKENS))), riffPlain: 1, transformers: 1 },
    ratios: {
      riffOverTransformersTokensPerSecond: spread(wallRatio),
      riffPlainOverTransformersTokensPerSecond: spread(plainWallRatio),
      promptLookupSpeedup: spread(lookupSpeedup),
      riffOverTransformersDecodeTokensPerSecond: spread(decodeRatio),
      riffLoopOverheadShare: spread(overheadOf(riffRuns)),
      riffPlainLoopOverheadShare: spread(overheadOf(plainRuns)),
      riffPlainOverheadShareOfGenerateWall: spread(overheadOfWall),
      riffBeam4LoopOverheadShare: spread(beamOverhead),
      beam4OverGreedyWallTime: spread(beamRatio),
      beam4OverDefaultGreedyWallTime: spread(beamOverDefaultRatio),
      beam4OverGreedySessionRunTime: spread(beamOnnxRatio),
      transformersOverRiffSessionRunMsPerStep: spread(runRatio),
      riffPlainOverTransformersCeilingWithNoTimeOutsideRun: spread(ceiling),
    },
    // Load from other jobs only ever adds time, so the fastest repetition of each is the one
    // least disturbed: the same figures from those, as a check on the medians on a busy machine.
    fromFastestRepetitions: fastest(riffRuns, plainRuns, hfRuns, beamRuns),
    riff: {
      tokensPerSecond: spread(tps(riffRuns)),
      decodeTokensPerSecond: spread(riffRuns.map((r) => r.decodeTokensPerSecond)),
      prefillMs: spread(riffRuns.map((r) => r.prefillMs)),
      forwardPasses: spread(riffRuns.map((r) => r.runs)),
      onnxMsPerPass: spread(riffRuns.map((r) => r.onnxMs / r.runs)),
      outsideRunMsPerToken: spread(outsidePerToken(riffRuns)),
      plainTokensPerSecond: spread(tps(plainRuns)),
      plainOnnxMsPerStep: spread(plainRuns.map((r) => r.onnxMs / r.runs)),
      plainOutsideRunMsPerToken: spread(outsidePerToken(plainRuns)),
      plainStepMsPerStep: spread(plainRuns.map((r) => r.stepMs / NEW_TOKENS)),
      beam4OnnxMsPerStep: spread(beamRuns.map((r) => r.onnxMs / NEW_TOKENS)),
      beam4TokensPerSecond: spread(tps(beamRuns)),
    },
    transformers: {
      tokensPerSecond: spread(tps(hfRuns)),
      decodeTokensPerSecond: spread(hfRuns.map((r) => r.decodeTokensPerSecond)),
      prefillMs: spread(hfRuns.map((r) => r.prefillMs)),
      onnxMsPerStep: spread(hfRuns.map((r) => r.onnxMs / r.runs)),
      outsideRunMsPerToken: spread(outsidePerToken(hfRuns)),
    },
  };
}

function fastest(
  riff: readonly RiffGreedyRun[],
  plain: readonly RiffGreedyRun[],
  hf: readonly GreedyRun[],
  beam: readonly BeamRun[],
): Record<string, number> {
  const quickest = <T extends { wallMs: number }>(runs: readonly T[]): T => runs.reduce((a, b) => (b.wallMs < a.wallMs ? b : a));
  const r = quickest(riff);
  const p = quickest(plain);
  const h = quickest(hf);
  const b = quickest(beam);
  return {
    riffOverTransformersTokensPerSecond: round(h.wallMs / r.wallMs),
    riffPlainOverTransformersTokensPerSecond: round(h.wallMs / p.wallMs),
    riffLoopOverheadShare: round(1 - r.onnxMs / r.stepMs),
    riffPlainLoopOverheadShare: round(1 - p.onnxMs / p.stepMs),
    beam4OverGreedyWallTime: round(b.wallMs / p.wallMs),
    riffPlainOnnxMsPerStep: round(p.onnxMs / p.runs),
    transformersOnnxMsPerStep: round(h.onnxMs / h.runs),
    riffOutsideRunMsPerToken: round((r.wallMs - r.onnxMs) / NEW_TOKENS),
    riffPlainOutsideRunMsPerToken: round((p.wallMs - p.onnxMs) / NEW_TOKENS),
    transformersOutsideRunMsPerToken: round((h.wallMs - h.onnxMs) / NEW_TOKENS),
  };
}

export const textSection: BenchSection = { name: "text", run };
