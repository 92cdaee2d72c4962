/**
 * `seqnetc verify`: build a model in-process and check R1 to R4 (MASKING.md
 * section 2) on random batches and weight draws with fast-check, which
 * shrinks a failure to a small batch. Pure: the CLI prints the report.
 */
import fc from 'fast-check';
import type { IrModel } from '../check/ir.js';
import type { CompiledModel } from '../runtime/compiled-model.js';
import { describeBatch, fixedTime, makeBatch, type Case } from './batch.js';
import { checkCase, PROPERTY_NAMES, type Violation } from './properties.js';

export interface VerifyOptions {
  readonly runs?: number;
  readonly seed?: number;
  readonly maxT?: number;
  readonly maxB?: number;
  /** Check R2 in training mode too (default true; models with dropout are checked in inference only). */
  readonly training?: boolean;
}

export interface Counterexample {
  readonly violation: Violation;
  readonly case: Case;
  readonly batch: string;
}

export interface VerifyReport {
  readonly model: string;
  readonly runs: number;
  readonly seed: number;
  /** The model's constant time length, when it has one (then R2b does not apply). */
  readonly fixedT?: number;
  readonly counterexample?: Counterexample;
}

class PropertyFailure extends Error {
  constructor(readonly violation: Violation) {
    super(violation.detail);
  }
}

/** Random cases; with `fixedT` (a model whose time dim is a constant) every batch has exactly that many steps. */
export function caseArbitrary(maxT: number, maxB: number, fixedT?: number): fc.Arbitrary<Case> {
  return fc
    .record({
      lengths: fc.array(fc.nat({ max: fixedT ?? maxT }), { minLength: 1, maxLength: maxB }),
      padExtra: fc.nat({ max: 3 }),
      hostile: fc.constantFrom<Case['hostile']>('nan', 'inf', 'big'),
      dataSeed: fc.nat(),
      weightSeed: fc.nat(),
      extra: fc.integer({ min: 1, max: 4 }),
    })
    .map((r) => ({ lengths: r.lengths, T: fixedT ?? Math.max(1, ...r.lengths) + r.padExtra, hostile: r.hostile, dataSeed: r.dataSeed, weightSeed: r.weightSeed, extra: r.extra }));
}

/** The fixed cases every run includes: a batch with a full row and an empty one, and a batch with no real step at all. */
function edgeCases(maxT: number, fixedT?: number): Case[] {
  const T = fixedT ?? maxT;
  return [
    { lengths: [T, 0, Math.max(1, T >> 1)], T, hostile: 'nan', dataSeed: 1, weightSeed: 2, extra: 2 },
    { lengths: [0, 0], T: fixedT ?? 3, hostile: 'inf', dataSeed: 3, weightSeed: 4, extra: 1 },
  ];
}

export function verifyCompiled(model: IrModel, compiled: CompiledModel, opts: VerifyOptions = {}): VerifyReport {
  const runs = opts.runs ?? 20;
  const seed = opts.seed ?? 1;
  const maxT = opts.maxT ?? 8;
  const maxB = opts.maxB ?? 4;
  const fixedT = fixedTime(model);
  const check = { training: opts.training ?? true };
  const report = (c: Case, v: Violation): VerifyReport => ({
    model: model.name,
    runs,
    seed,
    fixedT,
    counterexample: { violation: v, case: c, batch: describeBatch(makeBatch(model, c)) },
  });
  const threw = (err: unknown): Violation => ({ property: 'R4', mode: 'inference', what: 'run', detail: `the model threw: ${err instanceof Error ? err.message : String(err)}` });
  for (const c of edgeCases(maxT, fixedT)) {
    // A model that throws on an edge batch gets a report, as one that throws on a random batch does.
    let v: Violation | undefined;
    try {
      v = checkCase(model, compiled, c, check);
    } catch (err) {
      v = threw(err);
    }
    if (v) return report(c, v);
  }
  const result = fc.check(
    fc.property(caseArbitrary(maxT, maxB, fixedT), (c) => {
      const v = checkCase(model, compiled, c, check);
      if (v) throw new PropertyFailure(v);
    }),
    { seed, numRuns: runs },
  );
  if (result.failed && result.counterexample) {
    const c = result.counterexample[0];
    const err = result.errorInstance;
    if (err instanceof PropertyFailure) return report(c, err.violation);
    return report(c, threw(err));
  }
  return { model: model.name, runs, seed, fixedT };
}

function num(x: number | undefined): string {
  if (x === undefined) return '-';
  if (Number.isNaN(x)) return 'NaN';
  return Number.isInteger(x) ? String(x) : x.toPrecision(7);
}

export function renderReport(r: VerifyReport, replay: string): string {
  if (!r.counterexample) {
    const held =
      r.fixedT === undefined
        ? 'R1-R4 hold'
        : `R1-R4 hold as far as a fixed time dim allows (${r.fixedT} steps: R1 runs each row alone padded to that length, as no unpadded run exists, and R2b does not apply)`;
    return `verify ${r.model}: ${held} on ${r.runs} random batches and weight draws (seed ${r.seed}), plus 2 edge batches\n`;
  }
  const { violation: v, case: c, batch } = r.counterexample;
  const where = [v.row !== undefined ? `row ${v.row}` : '', v.step !== undefined ? `step ${v.step}` : '', v.feature !== undefined ? `feature ${v.feature}` : ''].filter(Boolean).join(', ');
  const lines = [
    `verify ${r.model}: ${v.property} (${PROPERTY_NAMES[v.property]}, ${v.mode} mode) fails`,
    `  ${v.what}${where ? ` at ${where}` : ''}: ${v.detail}`,
    ...(v.expected !== undefined || v.actual !== undefined ? [`  expected ${num(v.expected)}, got ${num(v.actual)}`] : []),
    `  batch: lengths [${c.lengths.join(', ')}], T ${c.T}, padding ${c.hostile}, extra padded steps ${c.extra}, data seed ${c.dataSeed}, weight seed ${c.weightSeed}`,
    ...batch.split('\n').map((l) => `    ${l}`),
    `  replay: ${replay}`,
  ];
  return lines.join('\n') + '\n';
}
