/**
 * The record of a run of test/property/verify.test.ts: per generated model,
 * whether the checker accepted it (and with which codes it did not), which
 * built-in layers it uses, and what verify found; per dropped fill, whether
 * verify noticed; per built module, whether it matched instantiate().
 * `summarize` counts it up; `renderSummary` prints it; the deep run
 * (SEQNET_DEEP=1) writes it to test/.out/deep-report.json as well.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface ModelResult {
  /** Place in the sampled sequence (replay: the same seed and model count). */
  readonly index: number;
  readonly text: string;
  readonly source: string;
  readonly time: string;
  readonly loose: readonly string[];
  readonly accepted: boolean;
  /** Error codes of a rejected model, each once. */
  readonly codes: readonly string[];
  /** Built-in layers (and losses) an accepted model runs (on a path to an output or loss), each once, from the checked model. */
  readonly layers: readonly string[];
  readonly fills: number;
  readonly ms: number;
  readonly outcome: 'rejected' | 'pass' | 'fail';
  /** For a failure: `property mode what` (what broke, without the numbers), to group failures. */
  readonly signature?: string;
  /** For a failure: verify's rendered counterexample. */
  readonly report?: string;
}

export interface FillResult {
  readonly model: number;
  readonly value: string;
  readonly reason: string;
  /**
   * found: verify noticed the drop; found-escalated: only the longer search did;
   * unobservable: only with the fill's readers as outputs too (the model's own
   * outputs hide the difference); dead: no output or loss reads the fill;
   * vacuous: the value has no room for a padded step at any T tried; missed:
   * no counterexample (a defect).
   */
  readonly status: 'found' | 'found-escalated' | 'unobservable' | 'dead' | 'vacuous' | 'missed';
  readonly property?: string;
  /** The longest padded length verify tried. */
  readonly maxT?: number;
  /** For a missed fill: a likely reason, when the test knows one. */
  readonly diagnosis?: string;
  /** For a missed fill: the model. */
  readonly text?: string;
}

export interface BuildResult {
  readonly model: number;
  readonly ok: boolean;
  readonly detail: string;
}

export interface Failure {
  readonly signature: string;
  readonly count: number;
  readonly first: number;
  /** The shrunk model and its counterexample (or the first one, when shrinking was not tried). */
  readonly text: string;
  readonly report: string;
  readonly shrunk: boolean;
  readonly choices?: readonly number[];
}

export interface Summary {
  readonly seed: number;
  readonly deep: boolean;
  readonly runsPerModel: number;
  readonly generated: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly acceptance: number;
  readonly rejectedByCode: Record<string, number>;
  readonly acceptedBySource: Record<string, number>;
  readonly acceptedWithConstantTime: number;
  readonly looseTried: Record<string, { generated: number; accepted: number }>;
  readonly layers: Record<string, number>;
  readonly properties: { readonly passed: number; readonly failed: number; readonly bySignature: Record<string, number> };
  readonly failures: readonly Failure[];
  /** Every model's outcome, by index. */
  readonly results: readonly { readonly index: number; readonly outcome: ModelResult['outcome']; readonly codes?: readonly string[]; readonly signature?: string }[];
  readonly necessity: { readonly models: number; readonly fills: number; readonly byStatus: Record<string, number>; readonly byProperty: Record<string, number>; readonly missed: readonly FillResult[] };
  readonly build: readonly BuildResult[];
  /** CPU seconds of the test process per phase (wall-clock seconds grow with other load on the machine). */
  readonly cpuSeconds: Record<string, number>;
  readonly seconds: { readonly verify: number; readonly slowestModel: number; readonly medianModel: number; readonly necessity: number; readonly build: number; readonly shrinking: number };
}

function count<T>(items: readonly T[], key: (t: T) => string | readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const it of items) {
    const k = key(it);
    for (const x of typeof k === 'string' ? [k] : k) out[x] = (out[x] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

export function summarize(args: {
  seed: number;
  deep: boolean;
  runsPerModel: number;
  builtins: readonly string[];
  models: readonly ModelResult[];
  failures: readonly Failure[];
  fills: readonly FillResult[];
  necessityModels: number;
  build: readonly BuildResult[];
  seconds: { necessity: number; build: number; shrinking: number };
  cpuSeconds: Record<string, number>;
}): Summary {
  const { models } = args;
  const accepted = models.filter((m) => m.accepted);
  const layers: Record<string, number> = Object.fromEntries(args.builtins.map((l) => [l, 0]));
  for (const m of accepted) for (const l of m.layers) layers[l] = (layers[l] ?? 0) + 1;
  const loose: Summary['looseTried'] = {};
  for (const m of models) {
    for (const l of new Set(m.loose)) {
      const e = (loose[l] ??= { generated: 0, accepted: 0 });
      e.generated++;
      if (m.accepted) e.accepted++;
    }
  }
  const times = accepted.map((m) => m.ms).sort((a, b) => a - b);
  const failed = models.filter((m) => m.outcome === 'fail');
  return {
    seed: args.seed,
    deep: args.deep,
    runsPerModel: args.runsPerModel,
    generated: models.length,
    accepted: accepted.length,
    rejected: models.length - accepted.length,
    acceptance: models.length ? accepted.length / models.length : 0,
    rejectedByCode: count(models.filter((m) => !m.accepted), (m) => m.codes),
    acceptedBySource: count(accepted, (m) => m.source),
    acceptedWithConstantTime: accepted.filter((m) => m.time !== 'T').length,
    looseTried: loose,
    layers,
    properties: { passed: models.filter((m) => m.outcome === 'pass').length, failed: failed.length, bySignature: count(failed, (m) => m.signature!) },
    failures: args.failures,
    results: models.map((m) => ({ index: m.index, outcome: m.outcome, ...(m.codes.length ? { codes: m.codes } : {}), ...(m.signature ? { signature: m.signature } : {}) })),
    necessity: {
      models: args.necessityModels,
      fills: args.fills.length,
      byStatus: count(args.fills, (f) => f.status),
      byProperty: count(args.fills.filter((f) => f.property), (f) => f.property!),
      missed: args.fills.filter((f) => f.status === 'missed'),
    },
    build: args.build,
    cpuSeconds: Object.fromEntries(Object.entries(args.cpuSeconds).map(([k, v]) => [k, round(v)])),
    seconds: {
      verify: round(times.reduce((a, b) => a + b, 0) / 1000),
      slowestModel: round((times[times.length - 1] ?? 0) / 1000),
      medianModel: round((times[times.length >> 1] ?? 0) / 1000),
      necessity: round(args.seconds.necessity),
      build: round(args.seconds.build),
      shrinking: round(args.seconds.shrinking),
    },
  };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

function table(rec: Record<string, number>, width = 22): string[] {
  return Object.entries(rec).map(([k, v]) => `    ${k.padEnd(width)} ${v}`);
}

export function renderSummary(s: Summary): string {
  const lines = [
    `verify over random models (${s.deep ? 'deep' : 'CI'} run, seed ${s.seed}, ${s.runsPerModel} random batches per model plus 2 edge batches)`,
    `  generated ${s.generated}, accepted ${s.accepted} (${(100 * s.acceptance).toFixed(1)}%), rejected ${s.rejected}`,
    '  rejected models by error code (a model counts once per code):',
    ...table(s.rejectedByCode),
    '  accepted models by mask source and layout:',
    ...table(s.acceptedBySource),
    `    (with a constant time dim: ${s.acceptedWithConstantTime})`,
    '  rules bent on purpose (models generated / accepted):',
    ...Object.entries(s.looseTried).map(([k, v]) => `    ${k.padEnd(44)} ${v.generated} / ${v.accepted}`),
    '  accepted models running each built-in layer (on a path to an output or loss):',
    ...table(s.layers),
    `  R1-R4: ${s.properties.passed} accepted models pass, ${s.properties.failed} fail`,
    ...table(s.properties.bySignature, 60),
    `  fills: ${s.necessity.fills} fills of ${s.necessity.models} models dropped one at a time:`,
    ...table(s.necessity.byStatus),
    '  counterexamples of dropped fills by property:',
    ...table(s.necessity.byProperty),
    ...s.necessity.missed.map(
      (f) =>
        `    MISSED: model #${f.model}, fill of \`${f.value}\` (${f.reason}), batches up to T = ${f.maxT}${f.diagnosis ? `\n      likely: ${f.diagnosis}` : ''}` +
        (f.text ? `\n${f.text.trimEnd().replace(/^/gm, '      ')}` : ''),
    ),
    `  build path: ${s.build.filter((b) => b.ok).length} of ${s.build.length} generated modules predict as instantiate() does`,
    ...s.build.filter((b) => !b.ok).map((b) => `    model #${b.model}: ${b.detail}`),
    `  seconds: verify ${s.seconds.verify} (median model ${s.seconds.medianModel}, slowest ${s.seconds.slowestModel}), necessity ${s.seconds.necessity}, build ${s.seconds.build}, shrinking ${s.seconds.shrinking} (wall clock)`,
    `  CPU seconds of the test process: ${Object.entries(s.cpuSeconds).map(([k, v]) => `${k} ${v}`).join(', ')}`,
  ];
  for (const f of s.failures) {
    lines.push('', `FAILURE ${f.signature} (${f.count} model${f.count === 1 ? '' : 's'}, first #${f.first}${f.shrunk ? ', shrunk' : ''}):`, f.text.trimEnd(), f.report.trimEnd());
    if (f.choices) lines.push(`  generator choices (buildRunnable, before the text pass): ${JSON.stringify(f.choices)}`);
  }
  return lines.join('\n') + '\n';
}

export function writeSummary(path: string, s: Summary): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(s, null, 2) + '\n');
}
