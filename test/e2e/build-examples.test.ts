/**
 * `seqnetc build` on every example, through the built CLI (dist/): the four
 * files of API.md, byte-identical from two separate processes, a module
 * that type-checks under `strict`, a manifest with the keys and shapes of
 * API.md, and one commented fill per `fills` entry.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ts } from 'ts-morph';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/runtime/manifest.js';
import {
  builderCalls,
  compileExample,
  EXAMPLES,
  exampleFiles,
  generatedTs,
  inPool,
  literalValue,
  outDir,
  parentOf,
  parseTs,
  removeOut,
  requireDist,
  RUNTIME_DTS,
  runCli,
  stringValue,
  typecheck,
  VERSION,
  type CliResult,
  type TypeCheck,
} from '../unit/emit/support.js';

const EXAMPLE_FILES = exampleFiles();
const SUFFIXES = ['.ts', '.js', '.d.ts', '.manifest.json'];

let first: string;
let second: string;
const runs = new Map<string, { first: CliResult; second: CliResult }>();
/** File base (`tagger`) of each example, from the CLI's report. */
const bases = new Map<string, string>();

beforeAll(async () => {
  requireDist();
  first = outDir('build-first');
  second = outDir('build-second');
  // Each build is its own process; the two builds of one example run in different processes.
  const jobs = EXAMPLE_FILES.flatMap((f) => [first, second].map((dir) => () => runCli(['build', `examples/${f}`, '-o', dir]).then((r) => ({ f, dir, r }))));
  for (const { f, dir, r } of await inPool(jobs)) {
    const entry = runs.get(f) ?? ({} as { first: CliResult; second: CliResult });
    if (dir === first) entry.first = r;
    else entry.second = r;
    runs.set(f, entry);
  }
  for (const f of EXAMPLE_FILES) {
    const m = /^built (\w+): /.exec(runs.get(f)!.first.stdout);
    if (m) bases.set(f, m[1]!.toLowerCase());
  }
});

afterAll(() => {
  removeOut(first);
  removeOut(second);
});

function manifestOf(f: string): Manifest {
  return JSON.parse(readFileSync(join(first, `${bases.get(f)}.manifest.json`), 'utf8')) as Manifest;
}

function tsOf(f: string): string {
  return readFileSync(join(first, `${bases.get(f)}.ts`), 'utf8');
}

describe('seqnetc build examples/*.seqnet', () => {
  it('finds the examples', () => {
    expect(EXAMPLE_FILES.length).toBeGreaterThanOrEqual(6);
  });

  it.each(EXAMPLE_FILES)('%s: exits 0 and writes <model>.ts, .js, .d.ts and .manifest.json', (f) => {
    const r = runs.get(f)!.first;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const base = bases.get(f)!;
    const model = /^model (\w+)/m.exec(readFileSync(join(EXAMPLES, f), 'utf8'))![1]!;
    expect(base).toBe(model.toLowerCase());
    for (const suffix of SUFFIXES) expect(readdirSync(first)).toContain(`${base}${suffix}`);
  });

  it('writes only those files (no temporary folder left behind)', () => {
    const expected = [...bases.values()].flatMap((b) => SUFFIXES.map((s) => `${b}${s}`)).sort();
    expect(readdirSync(first).sort()).toEqual(expected);
    expect(readdirSync(second).sort()).toEqual(expected);
  });

  it('is deterministic: two processes write byte-identical files', () => {
    for (const f of EXAMPLE_FILES) {
      expect(runs.get(f)!.second.code).toBe(0);
      for (const suffix of SUFFIXES) {
        const name = `${bases.get(f)}${suffix}`;
        const a = readFileSync(join(first, name));
        const b = readFileSync(join(second, name));
        expect(a.equals(b), `${name} differs between two builds`).toBe(true);
      }
    }
  });
});

describe('the generated module', () => {
  let check: TypeCheck;
  let control: string;

  beforeAll(() => {
    // A user of every module, written as API.md shows it, plus one deliberate misuse:
    // the check must see the generated declarations to report it.
    const lines = [`import type { CompiledModel, Manifest } from 'seqnet';`];
    EXAMPLE_FILES.forEach((f, i) => {
      const base = bases.get(f)!;
      lines.push(
        `import * as m${i} from './${base}.js';`,
        `const model${i}: CompiledModel = m${i}.createModel({ seed: 1 });`,
        `const manifest${i}: Manifest = m${i}.manifest;`,
        `const loaded${i}: Promise<CompiledModel> = m${i}.loadModel('dir');`,
        `void model${i}; void manifest${i}; void loaded${i};`,
      );
    });
    lines.push(`export const misuse = m0.createModel({ seed: 'one' });`);
    control = join(first, 'use.ts');
    writeFileSync(control, lines.join('\n') + '\n');
    check = typecheck([...generatedTs(first)], first);
  });

  it('resolves `seqnet` to the runtime declarations in dist/ (package self-reference)', () => {
    expect(check.files).toContain(RUNTIME_DTS);
  });

  it('type-checks under strict (only the deliberate misuse is reported)', () => {
    const generated = check.diagnostics.filter((d) => !d.startsWith('use.ts'));
    expect(generated, generated.join('\n')).toEqual([]);
    const misuse = check.diagnostics.filter((d) => d.startsWith('use.ts'));
    expect(misuse, misuse.join('\n')).toHaveLength(1);
    expect(misuse[0]).toMatch(new RegExp(`^use\\.ts\\(${EXAMPLE_FILES.length * 5 + 2},\\d+\\): error TS2322: Type 'string' is not assignable to type 'number'`));
  });

  it.each(EXAMPLE_FILES)('%s: .d.ts declares manifest, createModel(options?) and loadModel(dir) as API.md', (f) => {
    const dts = readFileSync(join(first, `${bases.get(f)}.d.ts`), 'utf8');
    const sf = parseTs(dts, 'x.d.ts');
    const printer = ts.createPrinter({ removeComments: true });
    const decls = sf.statements.map((s) => printer.printNode(ts.EmitHint.Unspecified, s, sf).replace(/\s+/g, ' '));
    expect(decls).toEqual([
      `import type { CompiledModel, Manifest } from 'seqnet';`,
      'export declare const manifest: Manifest;',
      'export declare function createModel(options?: { seed?: number; }): CompiledModel;',
      'export declare function loadModel(dir: string): Promise<CompiledModel>;',
    ]);
  });

  it.each(EXAMPLE_FILES)('%s: the module exports the manifest that .manifest.json holds', (f) => {
    const sf = parseTs(tsOf(f));
    const decl = sf.statements.filter(ts.isVariableStatement).flatMap((s) => s.declarationList.declarations).find((d) => ts.isIdentifier(d.name) && d.name.text === 'manifest');
    expect(decl?.initializer).toBeDefined();
    expect(JSON.parse(JSON.stringify(literalValue(decl!.initializer!)))).toEqual(manifestOf(f));
  });
});

// ---------------------------------------------------------------- the manifest

const DTYPES = ['float32', 'int32', 'bool'];
const LAYOUTS = ['post', 'pre', 'holes'];

function expectKeys(o: object, required: string[], optional: string[], where: string): void {
  const keys = Object.keys(o);
  for (const k of required) expect(keys, `${where} lacks \`${k}\``).toContain(k);
  for (const k of keys) expect([...required, ...optional], `${where} has an unknown key \`${k}\``).toContain(k);
}

function expectShape(shape: unknown, where: string): void {
  expect(Array.isArray(shape), `${where}.shape`).toBe(true);
  for (const d of shape as unknown[]) {
    if (typeof d === 'number') expect(Number.isInteger(d) && d > 0, `${where}.shape: ${d}`).toBe(true);
    else expect(typeof d === 'string' && d.trim() !== '', `${where}.shape: ${String(d)}`).toBe(true);
  }
}

/** 1-based line and column -> offset in `text`. */
function offsetOf(text: string, line: number, column: number): number {
  const lines = text.split('\n');
  expect(line).toBeGreaterThanOrEqual(1);
  expect(line).toBeLessThanOrEqual(lines.length);
  expect(column).toBeGreaterThanOrEqual(1);
  expect(column).toBeLessThanOrEqual(lines[line - 1]!.length);
  return lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0) + column - 1;
}

/** The source from `line:col` to the end of its statement. */
function statementAt(text: string, line: number, column: number): string {
  const start = offsetOf(text, line, column);
  const end = text.indexOf(';', start);
  return text.slice(start, end === -1 ? undefined : end);
}

describe('the manifest (API.md)', () => {
  it.each(EXAMPLE_FILES)('%s: has the keys and shapes of API.md', (f) => {
    const m = manifestOf(f) as unknown as Record<string, unknown> & Manifest;
    const source = readFileSync(join(EXAMPLES, f));
    expectKeys(m, ['manifestVersion', 'name', 'inputs', 'targets', 'outputs', 'fills', 'compiler', 'sourceHash'], ['losses'], 'manifest');
    expect(m.manifestVersion).toBe(1);
    expect(m.name).toBe(/^model (\w+)/m.exec(source.toString('utf8'))![1]);
    expect(m.compiler).toBe(VERSION);
    expect(m.sourceHash).toBe(`sha256:${createHash('sha256').update(source).digest('hex')}`);
    const inputNames = m.inputs.map((i) => i.name);
    for (const i of m.inputs) {
      const where = `input ${i.name}`;
      expectKeys(i, ['name', 'dtype', 'shape'], ['mask', 'role'], where);
      expect(DTYPES).toContain(i.dtype);
      expectShape(i.shape, where);
      if (!i.mask) continue;
      const mask = i.mask as unknown as Record<string, unknown>;
      expect(['zeros', 'value', 'lengths', 'input']).toContain(mask.source);
      expect(LAYOUTS).toContain(mask.layout);
      if (mask.source === 'zeros') expectKeys(mask, ['source', 'layout'], [], `${where}.mask`);
      if (mask.source === 'value') {
        expectKeys(mask, ['source', 'layout', 'value'], [], `${where}.mask`);
        expect(typeof mask.value).toBe('number');
      }
      if (mask.source === 'lengths' || mask.source === 'input') {
        expectKeys(mask, ['source', 'layout', 'input'], [], `${where}.mask`);
        expect(inputNames).toContain(mask.input);
        const aux = m.inputs.find((x) => x.name === mask.input)!;
        if (mask.source === 'lengths') {
          expect(['post', 'pre']).toContain(mask.layout);
          expect([aux.dtype, aux.shape]).toEqual(['int32', ['B']]);
        } else {
          expect(['bool', 'float32']).toContain(aux.dtype);
          expect(aux.shape).toEqual(i.shape.slice(0, 2));
        }
      }
    }
    for (const t of m.targets) {
      expectKeys(t, ['name', 'dtype', 'shape'], [], `target ${t.name}`);
      expect(DTYPES).toContain(t.dtype);
      expectShape(t.shape, `target ${t.name}`);
    }
    expect(m.outputs.length).toBeGreaterThan(0);
    for (const o of m.outputs) {
      expectKeys(o, ['name', 'dtype', 'shape', 'masked'], ['layout'], `output ${o.name}`);
      expect(DTYPES).toContain(o.dtype);
      expectShape(o.shape, `output ${o.name}`);
      expect(typeof o.masked).toBe('boolean');
      // A masked output keeps a time axis ([B, T', ...]).
      if (o.masked) expect(o.shape.length).toBeGreaterThanOrEqual(2);
    }
    for (const fill of m.fills) {
      expectKeys(fill, ['value', 'fill', 'consumers', 'reason'], [], `fill of ${fill.value}`);
      expect(fill.fill).toBe(0);
      expect(typeof fill.reason).toBe('string');
      expect(fill.consumers.length).toBeGreaterThan(0);
    }
  });

  it('names every mask source as its declaration says', () => {
    const byFile = Object.fromEntries(EXAMPLE_FILES.map((f) => [f, manifestOf(f)]));
    const input = (f: string, name: string) => byFile[f]!.inputs.find((i) => i.name === name);
    expect(input('tagger.seqnet', 'x')?.mask).toEqual({ source: 'zeros', layout: 'post' });
    expect(input('tokens.seqnet', 'ids')?.mask).toEqual({ source: 'value', value: 0, layout: 'post' });
    expect(input('classifier.seqnet', 'x')?.mask).toEqual({ source: 'lengths', layout: 'post', input: 'n' });
    expect(input('classifier.seqnet', 'n')).toMatchObject({ dtype: 'int32', shape: ['B'] });
    expect(input('streaming.seqnet', 'x')?.mask).toEqual({ source: 'input', layout: 'pre', input: 'm' });
    expect(input('tagger.seqnet', 'x')?.shape).toEqual(['B', 'T', 40]);
    expect(byFile['tagger.seqnet']!.targets).toEqual([{ name: 'y', dtype: 'int32', shape: ['B', 'T'] }]);
    expect(byFile['tagger.seqnet']!.outputs).toContainEqual(expect.objectContaining({ name: 'logits', dtype: 'float32', shape: ['B', 'T', 10], masked: true }));
    // Shapes name computed dims as the source's arithmetic does.
    expect(byFile['residual.seqnet']!.outputs).toEqual([
      expect.objectContaining({ name: 'logits', shape: ['B', 3], masked: false }),
      expect.objectContaining({ name: 'r2', shape: ['B', 'ceil(T / 4)', 32], masked: true }),
    ]);
  });

  it.each(EXAMPLE_FILES)('%s: one `fills` entry per inserted fill node, with consumers `<layer> L:C` or `output <name> L:C`', (f) => {
    const model = compileExample(f);
    const byId = new Map(model.nodes.map((n) => [n.id, n]));
    const fillNodes = model.nodes.filter((n) => n.kind === 'fill');
    const m = manifestOf(f);
    expect(m.fills.map((x) => x.value)).toEqual(fillNodes.map((n) => (n.kind === 'fill' ? byId.get(n.of)!.name : '')));
    const source = readFileSync(join(EXAMPLES, f), 'utf8');
    for (const fill of m.fills) {
      for (const c of fill.consumers) {
        const cm = /^(?:output ([A-Za-z_]\w*)|([a-z_][a-z0-9_]*)) (\d+):(\d+)$/.exec(c);
        expect(cm, `consumer \`${c}\``).not.toBeNull();
        const [, output, layer, line, col] = cm!;
        const at = statementAt(source, Number(line), Number(col));
        // The position is in the consumer's statement: the output's name, or the call of the layer.
        if (output !== undefined) expect(at.startsWith(output), `${c}: \`${at}\``).toBe(true);
        else expect(at, c).toMatch(new RegExp(`\\b${layer}\\(`));
      }
      // The reason names the layer that made the padding non-zero, with its position.
      const rm = /^([a-z_][a-z0-9_]*) `(\w+)` \((\d+):(\d+)\)/.exec(fill.reason);
      expect(rm, `reason \`${fill.reason}\``).not.toBeNull();
      expect(statementAt(source, Number(rm![3]), Number(rm![4]))).toMatch(new RegExp(`\\b${rm![1]}\\(`));
    }
  });

  it('has fills where the examples need them (each explained in its comment)', () => {
    const counts = Object.fromEntries(EXAMPLE_FILES.map((f) => [f, manifestOf(f).fills.length]));
    // Streaming: causal conv1d after a conv with bias, and the masked output; residual: two.
    expect(counts['streaming.seqnet']).toBe(2);
    expect(counts['residual.seqnet']).toBe(2);
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBeGreaterThan(4);
  });
});

describe('fill comments in the generated .ts', () => {
  it.each(EXAMPLE_FILES)('%s: every builder.fill has a comment naming its reason, source line and consumers', (f) => {
    const text = tsOf(f);
    const sf = parseTs(text);
    const m = manifestOf(f);
    const fills = builderCalls(sf).filter((c) => c.method === 'fill');
    expect(fills).toHaveLength(m.fills.length);
    const calls = builderCalls(sf);
    fills.forEach((call, i) => {
      const entry = m.fills[i]!;
      const comments = (ts.getLeadingCommentRanges(text, call.statement.pos) ?? []).map((r) => text.slice(r.pos, r.end));
      const comment = comments.join('\n');
      expect(comment, `no comment before ${call.statement.getText()}`).toContain(entry.reason);
      expect(comment).toMatch(/\(\d+:\d+\)/);
      for (const c of entry.consumers) expect(comment).toContain(c);
      // The fill reads the value the entry names.
      const xLocal = call.args[1]!.getText();
      const producer = calls.find((c) => ts.isVariableStatement(c.statement) && c.statement.declarationList.declarations[0]!.name.getText() === xLocal);
      expect(stringValue(producer?.args[0])).toBe(entry.value);
    });
  });
});

// ---------------------------------------------------------------- plain Node, other targets, --model

/** Imports each built module in a plain `node` process (no vitest transform) and predicts a padded batch. */
const CHILD = `import { pathToFileURL } from 'node:url';
import { padBatch } from 'seqnet';
const out = {};
for (const path of process.argv.slice(2)) {
  const m = await import(pathToFileURL(path).href);
  const model = m.createModel({ seed: 1 });
  const time = new Set(m.manifest.inputs.filter((i) => i.mask).map((i) => i.shape[1]));
  const make = (shape, len, value) => {
    const [d, ...rest] = shape;
    if (d === undefined) return value();
    const n = typeof d === 'number' ? d : time.has(d) ? len : 1;
    return Array.from({ length: n }, () => make(rest, len, value));
  };
  const samples = [3, 1].map((len) => {
    const s = {};
    for (const i of m.manifest.inputs) if (i.mask) s[i.name] = make(i.shape.slice(1), len, i.dtype === 'int32' ? () => 7 : () => 0.5);
    return s;
  });
  const batch = padBatch(samples, m.manifest);
  const result = model.predict(batch.inputs);
  out[m.manifest.name] = Object.fromEntries(Object.entries(result).map(([k, t]) => [k, { shape: t.shape, finite: Array.from(t.dataSync()).every(Number.isFinite) }]));
}
process.stdout.write(JSON.stringify(out));
`;

function runNode(script: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

describe('the built .js in plain Node', () => {
  it('imports (resolving `seqnet` by self-reference) and predicts every declared output with its mask', async () => {
    const script = join(second, 'predict.mjs');
    writeFileSync(script, CHILD);
    const r = await runNode(script, EXAMPLE_FILES.map((f) => join(second, `${bases.get(f)}.js`)));
    expect(r.code, r.stderr).toBe(0);
    const got = JSON.parse(r.stdout) as Record<string, Record<string, { shape: number[]; finite: boolean }>>;
    for (const f of EXAMPLE_FILES) {
      const m = manifestOf(f);
      const outputs = got[m.name]!;
      expect(Object.keys(outputs).sort()).toEqual(m.outputs.flatMap((o) => (o.masked ? [o.name, `${o.name}_mask`] : [o.name])).sort());
      for (const o of m.outputs) {
        expect(outputs[o.name]!.finite, `${m.name}.${o.name}`).toBe(true);
        expect(outputs[o.name]!.shape[0]).toBe(2);
        expect(outputs[o.name]!.shape.length).toBe(o.shape.length);
        // Integer dims are the declared sizes.
        o.shape.forEach((d, i) => typeof d === 'number' && expect(outputs[o.name]!.shape[i], `${m.name}.${o.name}[${i}]`).toBe(d));
        if (o.masked) expect(outputs[`${o.name}_mask`]!.shape).toEqual(outputs[o.name]!.shape.slice(0, 2));
      }
    }
  });
});

describe('build options', () => {
  let dir: string;
  beforeAll(() => {
    dir = outDir('build-options');
    writeFileSync(join(dir, 'two.seqnet'), 'model A { input x: f32[B, T, 2] masked by zeros, padded post; h = relu(x); output h; }\nmodel B { input x: f32[B, T, 2] masked by zeros, padded post; h = tanh(x); output h; }\n');
  });
  afterAll(() => removeOut(dir));

  it('--model NAME builds that model only; a file with several models needs it (a diagnostic, exit 1)', async () => {
    const [none, b, c] = await inPool([
      () => runCli(['build', 'two.seqnet', '-o', 'none'], dir),
      () => runCli(['build', 'two.seqnet', '--model', 'B', '-o', 'b'], dir),
      () => runCli(['build', 'two.seqnet', '--model', 'C', '-o', 'c'], dir),
    ]);
    expect(none!.code).toBe(1);
    expect(none!.stderr).toMatch(/error SN0211: .*--model/);
    expect(c!.code).toBe(1);
    expect(c!.stderr).toMatch(/error SN0212: .*no model `C`/);
    expect(readdirSync(dir).sort()).toEqual(['b', 'two.seqnet']);
    expect(b!.code, b!.stderr).toBe(0);
    expect(readdirSync(join(dir, 'b')).sort()).toEqual(['b.d.ts', 'b.js', 'b.manifest.json', 'b.ts']);
    expect(readFileSync(join(dir, 'b', 'b.ts'), 'utf8')).toContain('builder.layer("h", "tanh"');
  });

  it('--target web writes the same module but for loadModel(url), and it type-checks under strict', async () => {
    const [node, web] = await inPool([
      () => runCli(['build', 'two.seqnet', '--model', 'A', '-o', 'node'], dir),
      () => runCli(['build', 'two.seqnet', '--model', 'A', '--target', 'web', '-o', 'web'], dir),
    ]);
    expect(node!.code, node!.stderr).toBe(0);
    expect(web!.code, web!.stderr).toBe(0);
    const a = readFileSync(join(dir, 'node', 'a.ts'), 'utf8');
    const w = readFileSync(join(dir, 'web', 'a.ts'), 'utf8');
    const load = /\/\*\*[^\n]*\*\/\nexport function loadModel[\s\S]*$/;
    expect(w.replace(load, '')).toBe(a.replace(load, ''));
    expect(w).toMatch(/export function loadModel\(url: string\): Promise<CompiledModel> \{\n {2}return loadSaved\(url\);\n\}\n$/);
    expect(readFileSync(join(dir, 'web', 'a.manifest.json'), 'utf8')).toBe(readFileSync(join(dir, 'node', 'a.manifest.json'), 'utf8'));
    const tc = typecheck([join(dir, 'web', 'a.ts')], parentOf(join(dir, 'web')));
    expect(tc.diagnostics, tc.diagnostics.join('\n')).toEqual([]);
  });
});
