/**
 * The mask guarantee checked by machine over random models (issue 5): for
 * every generated model the checker accepts, the compiled model keeps R1-R4
 * (MASKING.md section 2) under `verifyCompiled`, with random non-zero
 * weights, on the CPU backend. Three more claims ride on the same models:
 *
 * - every fill is necessary: dropping any one of them (insertFills' `drop`)
 *   lets verify find a counterexample (a fill that can go unnoticed is a
 *   checker defect, reported with the model);
 * - the generated module (`seqnetc build`, imported) predicts exactly as
 *   instantiate() does, for a sample of models;
 * - the generator reaches every built-in layer in accepted models.
 *
 * Every sampled model is evaluated (a failure does not hide the next one);
 * the first failing model of each kind is then shrunk (greedily, over the
 * generator's choice list, then over the text) and printed as text with
 * verify's counterexample, whose batch fast-check has shrunk.
 *
 * CI: a fixed seed and 100 models. SEQNET_DEEP=1: 1,000 models (SEQNET_MODELS
 * overrides), more batches per model, more fills, stricter coverage, and a
 * report in test/.out/deep-report.json. SEQNET_SEED replays another seed.
 */
import fc from 'fast-check';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { IrModel } from '../../src/check/ir.js';
import { checkSource } from '../../src/check/program.js';
import { SourceFile } from '../../src/diagnostics/span.js';
import { instantiate } from '../../src/emit/instantiate.js';
import { insertFills } from '../../src/rewrite/fills.js';
import type { CompiledModel } from '../../src/runtime/compiled-model.js';
import { tf } from '../../src/runtime/index.js';
import { dimEnv, fixedTime, makeBatch, type Case } from '../../src/verify/batch.js';
import { checkCase, toTensors } from '../../src/verify/properties.js';
import { renderReport, verifyCompiled, type VerifyReport } from '../../src/verify/verify.js';
import { specs } from '../helpers/compile.js';
import { importGenerated, inPool, outDir, removeOut, requireDist, runCli, REPO } from '../unit/emit/support.js';
import { renderSummary, summarize, writeSummary, type BuildResult, type Failure, type FillResult, type ModelResult } from './deep-report.js';
import { arbChoices, buildRunnable, type RunnableModel } from './gen-runnable.js';
import { MASK_SOURCE_LAYOUTS } from './gen-common.js';

const deep = process.env.SEQNET_DEEP === '1';
const SEED = process.env.SEQNET_SEED ? Number(process.env.SEQNET_SEED) : 20260505;
const MODELS = deep ? Number(process.env.SEQNET_MODELS ?? 1000) : 100;
/** Random batches per model (verify adds its 2 edge batches). */
const RUNS = 60;
/** Models whose fills are dropped one at a time. */
const NECESSITY_MODELS = deep ? 60 : 15;
const BUILD_MODELS = 3;
/** Verify's batch sizes: short enough for speed, long enough for strided windows of strided windows. */
const VERIFY = { seed: 11, maxT: 7, maxB: 3 } as const;
/** The longer search for a dropped fill that the first one did not notice. */
const ESCALATED = { runs: deep ? 120 : 40, seed: 12, maxT: 11, maxB: 4 } as const;
/** How long shrinking may take per kind of failure, and how many kinds are shrunk. */
const SHRINK_MS = deep ? 90_000 : 15_000;
const SHRINK_KINDS = deep ? 8 : 4;
/** Per test: the deep run takes long; the CI budget is about two minutes for the file. */
const TIMEOUT = deep ? 6 * 3600_000 : 600_000;
const WEIGHT_SEED = 5;

const builtins = specs().library.names();

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// ---------------------------------------------------------------- evaluating one model

interface Evaluated {
  readonly g: RunnableModel;
  readonly result: ModelResult;
  /** The checked model with its fills (accepted models only). */
  readonly model?: IrModel;
}

function checkModel(text: string): { model?: IrModel; codes: string[] } {
  const checked = checkSource(new SourceFile('gen.seqnet', text), specs());
  const errors = checked.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) return { codes: [...new Set(errors.map((d) => d.code))].sort() };
  return { model: checked.models[0]!, codes: [] };
}

/** The built-in layers (and losses) that a model runs: those some output or loss reads, not dead code. */
function layersOf(model: IrModel): string[] {
  const live = liveNodes(model);
  const used = new Set<string>();
  for (const n of model.nodes) if (n.kind === 'layer' && live.has(n.id)) used.add(n.layer);
  for (const l of model.losses) used.add(l.layer);
  return [...used].sort();
}

/** Nodes that some output or loss reads, directly or through others. */
function liveNodes(model: IrModel): Set<number> {
  const byId = new Map(model.nodes.map((n) => [n.id, n]));
  const live = new Set<number>();
  const stack = [...model.outputs.map((o) => o.node), ...model.losses.flatMap((l) => [l.pred, l.target])];
  while (stack.length) {
    const id = stack.pop()!;
    if (live.has(id)) continue;
    live.add(id);
    const n = byId.get(id)!;
    if (n.kind === 'layer') stack.push(...n.inputs.map((e) => e.node));
    if (n.kind === 'fill') stack.push(n.of);
  }
  return live;
}

/**
 * The shortest padded length T at which value `id` has at least 2 steps and every
 * masked value that reads it still has one (a strided or `valid` chain shortens
 * the time axis), so that a batch can hold a padded step there; undefined when no
 * T up to 48 (or the model's fixed length) does.
 */
function stepsFor(model: IrModel, id: number, live: ReadonlySet<number>): number | undefined {
  const downstream = new Set([id]);
  for (const n of model.nodes) {
    if ((n.kind === 'layer' && n.inputs.some((e) => downstream.has(e.node))) || (n.kind === 'fill' && downstream.has(n.of))) downstream.add(n.id);
  }
  const masked = model.nodes.filter((n) => downstream.has(n.id) && live.has(n.id) && n.type.mask && n.type.dims.length >= 2);
  const value = model.nodes.find((n) => n.id === id)!;
  const fixed = fixedTime(model);
  for (let T = 1; T <= (fixed ?? 48); T++) {
    if (fixed !== undefined && T < fixed) continue;
    const env = dimEnv(model, 3, T);
    const steps = (n: (typeof model.nodes)[number]) => n.type.dims[1]!.evaluate(env);
    if (steps(value) >= 2 && masked.every((n) => steps(n) >= 1)) return T;
  }
  return undefined;
}

/**
 * Why a dropped fill may go unseen: its padding comes from a window layer whose
 * padded output steps read padded input steps only (MASKING.md section 7:
 * `k_eff = 1`; on `post`, mode `same` with left pad 0; on `pre`, mode
 * `causal`). With zeros in and no bias such a layer writes zeros there (the
 * checker knows since e1cb620; this names the cause if that regresses).
 */
function windowKeepsZeros(model: IrModel, valueId: number): string | undefined {
  const byId = new Map(model.nodes.map((n) => [n.id, n]));
  const value = byId.get(valueId)!;
  const origin = value.kind === 'layer' && value.padOrigin ? byId.get(value.padOrigin.node)! : value;
  if (origin.kind !== 'layer' || (origin.layer !== 'conv1d' && origin.layer !== 'avgpool1d')) return undefined;
  const p = origin.params;
  const k = Number(origin.layer === 'conv1d' ? p['kernel'] : p['size']);
  const d = origin.layer === 'conv1d' ? Number(p['dilation']) : 1;
  const s = Number(p['stride']);
  const mode = String(p['padding']);
  const layout = origin.type.mask?.layout;
  const kEff = (k - 1) * d + 1;
  const left = mode === 'same' ? Math.floor(Math.max(kEff - s, 0) / 2) : mode === 'causal' ? kEff - 1 : 0;
  const onlyPadded = kEff === 1 || (layout === 'post' && mode === 'same' && left === 0) || (layout === 'pre' && mode === 'causal');
  const keepsZeros = ['none', 'relu', 'tanh', 'gelu', 'elu', 'leaky_relu'].includes(String(p['activation'] ?? 'none'));
  if (!onlyPadded || p['bias'] === true || !keepsZeros) return undefined;
  return `the padded output steps of ${origin.layer} \`${origin.name}\` (k_eff ${kEff}, stride ${s}, ${mode}, layout ${layout}) read padded input steps only, so they stay 0 over zero padding, yet the checker gives it pads: any`;
}

/** Groups failures by what broke, without the numbers. */
function signatureOf(r: VerifyReport): string {
  const v = r.counterexample!.violation;
  if (v.what === 'run') return `${v.property} ${v.detail.replace(/\d+/g, 'N').slice(0, 90)}`;
  const what = v.what.startsWith('grad ') ? 'a gradient' : v.what === 'loss' ? 'the loss' : v.what.endsWith('_mask') ? 'an output mask' : 'an output';
  return `${v.property} ${v.mode}: ${what}`;
}

/** Where a throwing model threw (verify's report has the message only). */
function whereItThrew(model: IrModel, compiled: CompiledModel, c: Case): string {
  try {
    checkCase(model, compiled, c, { training: true });
  } catch (err) {
    return frames(err);
  }
  return '';
}

function dispose(compiled: CompiledModel): void {
  try {
    compiled.model.dispose();
  } catch {
    // A model whose run failed may hold disposed tensors; its weights go with the process.
  }
}

function evaluate(xs: readonly number[], index: number, runs = RUNS): Evaluated {
  return evaluateModel(buildRunnable(xs), index, runs);
}

/** The top frames of a thrown error, for a report. */
function frames(err: unknown): string {
  const lines = (err instanceof Error ? (err.stack ?? '') : '').split('\n').filter((l) => /\/(src|node_modules\/@tensorflow)\//.test(l));
  return lines.slice(0, 8).map((l) => `    ${l.trim().replace(REPO, '')}`).join('\n');
}

function evaluateModel(g: RunnableModel, index: number, runs = RUNS): Evaluated {
  const base = { index, text: g.text, source: `${g.maskSource} ${g.layout}`, time: g.time, loose: g.loose };
  // The checker and the builder must not throw either: that is a failure of its own kind.
  const crashed = (stage: string, err: unknown): Evaluated => ({
    g,
    result: {
      ...base,
      accepted: stage !== 'the checker',
      codes: [],
      layers: [],
      fills: 0,
      ms: 0,
      outcome: 'fail',
      signature: `${stage} threw: ${(err instanceof Error ? err.message : String(err)).replace(/\d+/g, 'N').slice(0, 80)}`,
      report: `${stage} threw: ${err instanceof Error ? err.message : String(err)}\n${frames(err)}\n`,
    },
  });
  let checked: ReturnType<typeof checkModel>;
  let model: IrModel;
  try {
    checked = checkModel(g.text);
    if (!checked.model) return { g, result: { ...base, accepted: false, codes: checked.codes, layers: [], fills: 0, ms: 0, outcome: 'rejected' } };
    model = insertFills(checked.model);
  } catch (err) {
    return crashed('the checker', err);
  }
  const t0 = performance.now();
  let report: VerifyReport;
  let rendered: string | undefined;
  let compiled: CompiledModel;
  try {
    compiled = instantiate(model, { seed: WEIGHT_SEED });
  } catch (err) {
    return crashed('instantiate()', err);
  }
  try {
    report = verifyCompiled(model, compiled, { runs, ...VERIFY });
    if (report.counterexample) {
      rendered = renderReport(report, `SEQNET_SEED=${SEED} SEQNET_MODELS=${MODELS}, model #${index}`);
      if (report.counterexample.violation.what === 'run') rendered += `  thrown at:\n${whereItThrew(model, compiled, report.counterexample.case)}\n`;
    }
  } finally {
    dispose(compiled);
  }
  const ms = performance.now() - t0;
  const fills = model.nodes.filter((n) => n.kind === 'fill').length;
  const common = { ...base, accepted: true, codes: [], layers: layersOf(model), fills, ms };
  if (!report.counterexample) return { g, model, result: { ...common, outcome: 'pass' } };
  return { g, model, result: { ...common, outcome: 'fail', signature: signatureOf(report), report: rendered } };
}

/**
 * Shrinks a failing model to a smaller one that fails the same way, greedily
 * over its choice list: shorter prefixes (fewer bindings), then each choice
 * set to 0 (the first entry of its menu), then runs of choices deleted; until
 * nothing shrinks or the time is up. (fast-check's own array shrinking cuts
 * from the front, which rebuilds a different model at every step.)
 */
function shrink(xs: readonly number[], signature: string, index: number, ms: number): { text: string; report: string; choices: number[]; steps: number } {
  // Half the time for the choices (simpler parameters), the rest for the text (fewer lines).
  let deadline = performance.now() + ms / 2;
  let best = [...xs];
  let bestEval: Evaluated | undefined;
  let steps = 0;
  const attempt = (c: number[]): boolean => {
    if (performance.now() > deadline) return false;
    const e = evaluate(c, index);
    if (e.result.signature !== signature) return false;
    best = c;
    bestEval = e;
    steps++;
    return true;
  };
  for (let progress = true; progress && performance.now() < deadline; ) {
    progress = false;
    for (let len = best.length >> 1; len >= 1; len >>= 1) {
      if (attempt(best.slice(0, len))) {
        progress = true;
        len = best.length;
      }
    }
    for (let i = 0; i < best.length; i++) if (best[i] !== 0 && attempt(best.map((v, j) => (j === i ? 0 : v)))) progress = true;
    for (const width of [8, 4, 2, 1]) {
      for (let i = best.length - width; i >= 0; i--) if (attempt([...best.slice(0, i), ...best.slice(i + width)])) progress = true;
    }
  }
  let e = bestEval ?? evaluate(best, index);
  const fromChoices = steps;
  deadline += ms / 2;
  // Then the text itself: drop lines (bindings, inputs, losses), pipe stages and output names while it fails the same way.
  let lines = e.result.text.split('\n');
  const attemptText = (candidate: string[]): boolean => {
    if (performance.now() > deadline) return false;
    const t = evaluateModel({ ...e.g, text: candidate.join('\n') }, index);
    if (t.result.signature !== signature) return false;
    lines = candidate;
    e = t;
    steps++;
    return true;
  };
  for (let progress = true; progress && performance.now() < deadline; ) {
    progress = false;
    for (let i = lines.length - 1; i >= 0; i--) {
      const line = lines[i]!;
      if (!line.startsWith('  ')) continue;
      if (attemptText(lines.filter((_, j) => j !== i))) {
        progress = true;
        continue;
      }
      const parts = line.replace(/;$/, '').split(' |> ');
      for (let k = parts.length - 1; k >= 1 && parts.length > 1; k--) {
        const shorter = [...parts.slice(0, k), ...parts.slice(k + 1)].join(' |> ') + ';';
        if (attemptText(lines.map((l, j) => (j === i ? shorter : l)))) progress = true;
      }
      const outs = /^  output (.*);$/.exec(line)?.[1]?.split(', ');
      for (const o of outs && outs.length > 1 ? outs : []) {
        if (attemptText(lines.map((l, j) => (j === i ? `  output ${outs!.filter((x) => x !== o).join(', ')};` : l)))) progress = true;
      }
    }
  }
  const how = `shrunk in ${steps} steps (${fromChoices} over the generator's choices, ${steps - fromChoices} over the text) from model #${index} (seed ${SEED})`;
  return { text: e.result.text, report: `${e.result.report!}  ${how}\n`, choices: best, steps };
}

// ---------------------------------------------------------------- the sampled models, evaluated once

const choices = fc.sample(arbChoices(), { seed: SEED, numRuns: MODELS });
let evaluated: Evaluated[] | undefined;
let failures: Failure[] = [];
let shrinkSeconds = 0;
const fillResults: FillResult[] = [];
const buildResults: BuildResult[] = [];
let necessitySeconds = 0;
let buildSeconds = 0;
let necessityModels = 0;

/** CPU seconds of this process (user and system): a measure that other load on the machine does not inflate. */
function cpu(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}
const cpuSeconds: Record<string, number> = {};
function timed<T>(phase: string, f: () => T): T {
  const c0 = cpu();
  try {
    return f();
  } finally {
    cpuSeconds[phase] = (cpuSeconds[phase] ?? 0) + cpu() - c0;
  }
}

function all(): Evaluated[] {
  if (evaluated) return evaluated;
  evaluated = timed('models', () => choices.map((xs, i) => evaluate(xs, i)));
  const c0 = cpu();
  const t0 = performance.now();
  const bySig = new Map<string, Evaluated[]>();
  for (const e of evaluated) if (e.result.signature) bySig.set(e.result.signature, [...(bySig.get(e.result.signature) ?? []), e]);
  failures = [...bySig].map(([signature, list], k) => {
    const first = list[0]!;
    const small = k < SHRINK_KINDS ? shrink(choices[first.result.index]!, signature, first.result.index, SHRINK_MS) : undefined;
    return {
      signature,
      count: list.length,
      first: first.result.index,
      text: small?.text ?? first.result.text,
      report: small?.report ?? first.result.report!,
      shrunk: small !== undefined,
      choices: small?.choices,
    };
  });
  shrinkSeconds = (performance.now() - t0) / 1000;
  cpuSeconds['shrinking'] = cpu() - c0;
  return evaluated;
}

afterAll(() => {
  if (!evaluated) return;
  const summary = summarize({
    seed: SEED,
    deep,
    runsPerModel: RUNS,
    builtins,
    models: evaluated.map((e) => e.result),
    failures,
    fills: fillResults,
    necessityModels,
    build: buildResults,
    seconds: { necessity: necessitySeconds, build: buildSeconds, shrinking: shrinkSeconds },
    cpuSeconds,
  });
  const text = renderSummary(summary);
  console.log(text);
  if (deep) {
    writeSummary(join(REPO, 'test', '.out', 'deep-report.json'), summary);
    writeFileSync(join(REPO, 'test', '.out', 'deep-report.txt'), text);
  }
});

// ---------------------------------------------------------------- the properties

describe(`random models (seed ${SEED}, ${MODELS} models)`, () => {
  test('every accepted model keeps R1-R4', () => {
    const models = all();
    const failed = models.filter((e) => e.result.outcome === 'fail');
    const message = failures
      .map((f) => `${f.signature}: ${f.count} model(s); ${f.shrunk ? 'shrunk' : 'first'} model (#${f.first}):\n${f.text}${f.report}${f.choices ? `  generator choices (before the text pass): ${JSON.stringify(f.choices)}\n` : ''}`)
      .join('\n');
    expect(failed.length, `R1-R4 fail on ${failed.length} of ${models.filter((e) => e.result.accepted).length} accepted models:\n\n${message}`).toBe(0);
  }, TIMEOUT);

  test('the generator reaches every built-in layer, and the checker accepts most models', () => {
    const models = all().map((e) => e.result);
    const accepted = models.filter((m) => m.accepted);
    const perLayer = Object.fromEntries(builtins.map((l) => [l, accepted.filter((m) => m.layers.includes(l)).length]));
    const least = deep ? 20 : 1;
    const rare = Object.entries(perLayer).filter(([, n]) => n < least);
    expect(rare, `built-in layers in fewer than ${least} accepted models`).toEqual([]);
    expect(accepted.length / models.length).toBeGreaterThanOrEqual(0.6);
    // Every mask source with every layout it allows (MASKING.md section 8).
    expect([...new Set(accepted.map((m) => m.source))].sort()).toEqual([...MASK_SOURCE_LAYOUTS]);
    expect(accepted.some((m) => m.time !== 'T')).toBe(true);
    // The bent rules do get rejected (the checker is asked about them, and says no at least sometimes).
    expect(models.some((m) => !m.accepted)).toBe(true);
  }, TIMEOUT);

  test('every fill is necessary: dropping any one lets verify find a counterexample', () => {
    // At a constant time length a leak into real steps has no unpadded run to show against (verify's R1 is
    // weaker there), so the sample takes models with a symbolic time dim.
    // Fills that a layer reads (before a window or a global average) before those of outputs only (R3 finds those at once).
    const readByLayer = (m: IrModel) => {
      const live = liveNodes(m);
      return m.nodes.some((n) => n.kind === 'layer' && live.has(n.id) && n.inputs.some((e) => m.nodes.find((f) => f.id === e.node)?.kind === 'fill'));
    };
    const candidates = all().filter((e) => e.result.outcome === 'pass' && e.result.fills > 0 && e.result.time === 'T');
    const sample = [...candidates.filter((e) => readByLayer(e.model!)), ...candidates.filter((e) => !readByLayer(e.model!))].slice(0, NECESSITY_MODELS);
    necessityModels = sample.length;
    expect(sample.length).toBe(NECESSITY_MODELS);
    const t0 = performance.now();
    const c0 = cpu();
    for (const e of sample) {
      const base = checkModel(e.g.text).model!;
      const filled = insertFills(base);
      const live = liveNodes(filled);
      for (const f of filled.nodes) {
        if (f.kind !== 'fill') continue;
        const value = filled.nodes.find((n) => n.id === f.of)!;
        const record = (status: FillResult['status'], extra: Partial<FillResult> = {}) =>
          fillResults.push({ model: e.result.index, value: value.name, reason: f.reason.text, status, ...extra });
        // A fill that no output or loss reads cannot be seen; nor one of a value with no room for padding.
        if (!live.has(f.id)) {
          record('dead');
          continue;
        }
        const T = stepsFor(filled, value.id, live);
        if (T === undefined) {
          record('vacuous');
          continue;
        }
        const tryVerify = (opts: { runs: number; seed: number; maxT: number; maxB: number }, from = base): VerifyReport => {
          const dropped = insertFills(from, { drop: new Set([value.name]) });
          const compiled = instantiate(dropped, { seed: WEIGHT_SEED });
          try {
            return verifyCompiled(dropped, compiled, opts);
          } finally {
            dispose(compiled);
          }
        };
        // A counterexample, not a crash: a throw says nothing about the fill.
        const found = (r: VerifyReport) => r.counterexample !== undefined && r.counterexample.violation.what !== 'run';
        const maxT = Math.max(VERIFY.maxT, T);
        let r = tryVerify({ ...VERIFY, runs: 6, maxT });
        if (found(r)) {
          record('found', { property: r.counterexample!.violation.property, maxT });
          continue;
        }
        // Before calling the fill unneeded, search harder: more batches, longer and more rows.
        const longer = { ...ESCALATED, maxT: Math.max(ESCALATED.maxT, T + 4), runs: T > 20 ? 15 : ESCALATED.runs };
        r = tryVerify(longer);
        if (found(r)) {
          record('found-escalated', { property: r.counterexample!.violation.property, maxT: longer.maxT });
          continue;
        }
        // The model's outputs may hide what the fill changes (a layernorm over one feature is constant): make
        // the layers that read the fill outputs too. If they show it, the fill is needed, just not seen.
        const readers = filled.nodes.filter((n) => n.kind === 'layer' && n.inputs.some((i) => i.node === f.id) && !base.outputs.some((o) => o.node === n.id));
        const observed: IrModel = { ...base, outputs: [...base.outputs, ...readers.map((n) => ({ name: `${n.name}__seen`, node: n.id, at: n.at }))] };
        r = readers.length ? tryVerify(longer, observed) : r;
        if (found(r)) record('unobservable', { property: r.counterexample!.violation.property, maxT: longer.maxT });
        else record('missed', { maxT: longer.maxT, diagnosis: windowKeepsZeros(filled, value.id), text: e.g.text });
      }
    }
    necessitySeconds = (performance.now() - t0) / 1000;
    cpuSeconds['necessity'] = cpu() - c0;
    const missed = fillResults.filter((f) => f.status === 'missed');
    const text = (i: number) => all()[i]!.result.text;
    expect(
      missed.map(
        (f) =>
          `model #${f.model}: the fill of \`${f.value}\` (${f.reason}) can be dropped with no counterexample (batches up to T = ${f.maxT})` +
          `${f.diagnosis ? `\n  likely: ${f.diagnosis}` : ''}\n${text(f.model)}`,
      ),
    ).toEqual([]);
    expect(fillResults.filter((f) => f.status.startsWith('found')).length).toBeGreaterThanOrEqual(NECESSITY_MODELS);
  }, TIMEOUT);

  test(`the generated module of ${BUILD_MODELS} models predicts exactly as instantiate() does`, async () => {
    requireDist();
    all();
    const t0 = performance.now();
    const c0 = cpu();
    // The passing models with the most kinds of layers.
    const picked = all()
      .filter((e) => e.result.outcome === 'pass')
      .sort((a, b) => b.result.layers.length - a.result.layers.length || a.result.index - b.result.index)
      .slice(0, BUILD_MODELS);
    expect(picked.length).toBe(BUILD_MODELS);
    const dir = outDir('verify-build');
    try {
      // The CLI runs in child processes, two at a time (two cores).
      const built = await inPool(
        picked.map((e) => async () => {
          const file = join(dir, `m${e.result.index}.seqnet`);
          writeFileSync(file, e.g.text);
          return runCli(['build', file, '-o', join(dir, `m${e.result.index}`)]);
        }),
      );
      for (const [k, e] of picked.entries()) {
        const cli = built[k]!;
        expect(cli.code, `seqnetc build of model #${e.result.index}:\n${cli.stderr}\n${e.g.text}`).toBe(0);
        const sub = join(dir, `m${e.result.index}`);
        const js = readdirSync(sub).find((f) => f.endsWith('.js'))!;
        const mod = await importGenerated(join(sub, js));
        const model = e.model!;
        const a = instantiate(model, { seed: 21 });
        const b = mod.createModel({ seed: 21 });
        const fixedT = fixedTime(model);
        const c: Case = { lengths: [fixedT ?? 6, 0, 3, 1], T: fixedT ?? 7, hostile: 'nan', dataSeed: 3, weightSeed: 0, extra: 0 };
        const { inputs, targets } = toTensors(model, makeBatch(model, c));
        const problems: string[] = [];
        const wa = a.weights.map((w) => w.originalName);
        if (b.weights.map((w) => w.originalName).join() !== wa.join()) problems.push('other weights');
        const pa = a.predict(inputs);
        const pb = b.predict(inputs);
        if (Object.keys(pb).join() !== Object.keys(pa).join()) problems.push(`outputs ${Object.keys(pb).join()} instead of ${Object.keys(pa).join()}`);
        for (const k of Object.keys(pa)) {
          const va = Array.from(pa[k]!.dataSync());
          const vb = pb[k] ? Array.from(pb[k]!.dataSync()) : [];
          if (!va.every(Number.isFinite)) problems.push(`instantiate()'s \`${k}\` is not finite`);
          if (va.length !== vb.length || va.some((x, i) => !Object.is(x, vb[i]))) problems.push(`\`${k}\` differs: ${JSON.stringify(vb.slice(0, 8))} vs ${JSON.stringify(va.slice(0, 8))}`);
        }
        if (model.losses.length) {
          const la = a.loss(inputs, targets).dataSync()[0]!;
          const lb = b.loss(inputs, targets).dataSync()[0]!;
          if (!Object.is(la, lb)) problems.push(`loss ${lb} vs ${la}`);
        }
        buildResults.push({ model: e.result.index, ok: problems.length === 0, detail: problems.join('; ') });
        expect(problems, `model #${e.result.index}:\n${e.g.text}`).toEqual([]);
        dispose(a);
        dispose(b);
      }
    } finally {
      buildSeconds = (performance.now() - t0) / 1000;
      cpuSeconds['build (this process; the CLI runs in children)'] = cpu() - c0;
      removeOut(dir);
    }
  }, TIMEOUT);
});

describe('verify itself, on what the random models need', () => {
  const verifyText = (text: string, drop?: string) => {
    const base = checkModel(text).model!;
    const model = insertFills(base, drop ? { drop: new Set([drop]) } : {});
    const compiled = instantiate(model, { seed: WEIGHT_SEED });
    try {
      return verifyCompiled(model, compiled, { ...VERIFY, runs: 10 });
    } finally {
      dispose(compiled);
    }
  };
  const fixed = `model M {
  input x: f32[B, 9, 3] masked by lengths(n);
  input n: i32[B];
  h = x |> dense(units: 2) |> conv1d(filters: 2, kernel: 3);
  output h;
}
`;

  test('a constant time dim: batches keep it and R2b is left out (it used to report R3 on a correct model)', () => {
    const r = verifyText(fixed);
    expect(r.counterexample, r.counterexample && renderReport(r, '')).toBeUndefined();
    expect(r.fixedT).toBe(9);
    expect(renderReport(r, '')).toContain('9 steps: R1 runs each row alone padded to that length');
    // The output without its fill keeps the conv's bias at padded steps.
    expect(verifyText(fixed, 'h').counterexample?.violation.property).toBe('R3');
    // The same model with a symbolic time dim: a leak into real steps shows (R1), as it cannot at a fixed length.
    expect(verifyText(fixed.replace('[B, 9, 3]', '[B, T, 3]'), 'h_1').counterexample?.violation.property).toBe('R1');
  });

  test('a model that throws, on an edge batch or a random one, gets a report rather than an exception', () => {
    const model = insertFills(checkModel(fixed).model!);
    const compiled = instantiate(model, { seed: WEIGHT_SEED });
    const predict = compiled.predict.bind(compiled);
    let calls = 0;
    let throwAt = Infinity;
    compiled.predict = (...args: Parameters<CompiledModel['predict']>) => {
      if (++calls >= throwAt) throw new Error('boom');
      return predict(...args);
    };
    // With no random runs, verify runs its edge batches only: count their predictions.
    expect(verifyCompiled(model, compiled, { ...VERIFY, runs: 0 }).counterexample).toBeUndefined();
    const edge = calls;
    for (const at of [3, edge + 1]) {
      calls = 0;
      throwAt = at;
      const r = verifyCompiled(model, compiled, { ...VERIFY, runs: 3 });
      expect(r.counterexample?.violation, `throwing at prediction ${at} of ${edge} on edge batches`).toMatchObject({ property: 'R4', what: 'run', detail: 'the model threw: boom' });
    }
    dispose(compiled);
  });
});
