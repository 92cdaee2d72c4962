/**
 * Names and strings that are dangerous in generated JavaScript, end to end:
 * each case either builds, type-checks under `strict` and predicts with
 * outputs keyed by the original names, or stops with a diagnostic. User
 * text (string parameters, file and folder names, import paths) comes out
 * of the generated module exactly as it went in.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ts } from 'ts-morph';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/runtime/tf.js';
import {
  builderCalls,
  compileSource,
  functionBody,
  generatedTs,
  identifiers,
  importGenerated,
  objectValue,
  outDir,
  parseTs,
  removeOut,
  requireDist,
  runCli,
  stringValue,
  syntaxErrors,
  typecheck,
  writeBuild,
  type TypeCheck,
} from '../unit/emit/support.js';

const NAMES = ['__proto__', 'constructor', 'then', 'prototype', 'toString', 'valueOf', 'class', 'default', 'new', 'function', 'await', 'yield'];

type Role = 'model' | 'binding' | 'input' | 'lengths' | 'target';

/** A small model that uses `n` in one role; the value read back is `out`. */
function modelText(role: Role, n: string, model: string): { text: string; out: string; inputs: string[]; target: string } {
  const x = role === 'input' ? n : 'x';
  const len = role === 'lengths' ? n : 'len';
  const y = role === 'target' ? n : 'y';
  const out = role === 'binding' ? n : 'h';
  const mask = role === 'lengths' ? `masked by lengths(${len})` : 'masked by zeros, padded post';
  const text = [
    `model ${role === 'model' ? n : model} {`,
    `  input ${x}: f32[B, T, 4] ${mask};`,
    ...(role === 'lengths' ? [`  input ${len}: i32[B];`] : []),
    `  target ${y}: f32[B, T, 3];`,
    // A pipeline: the dense step (weights) is \`${out}_1\`, the tanh step is \`${out}\`.
    `  ${out} = ${x} |> dense(units: 3) |> tanh();`,
    `  output ${out};`,
    `  loss mse(${out}, ${y});`,
    '}',
  ].join('\n');
  return { text, out, inputs: role === 'lengths' ? [x, len] : [x], target: y };
}

interface Case {
  readonly role: Role;
  readonly name: string;
  readonly model: ReturnType<typeof modelText>;
  base?: string;
  diagnostics?: string[];
}

const ROLES: Role[] = ['model', 'binding', 'input', 'lengths', 'target'];
const CASES: Case[] = ROLES.flatMap((role) => NAMES.map((name, i) => ({ role, name, model: modelText(role, name, `${role[0]!.toUpperCase()}${role.slice(1)}${i}`) })));

let dir: string;
let check: TypeCheck;

beforeAll(async () => {
  requireDist();
  await tf.setBackend('cpu');
  dir = outDir('build-names');
  for (const c of CASES) {
    const compiled = compileSource(c.model.text, `${c.role}-${c.name}.seqnet`);
    if (!compiled.ok) {
      c.diagnostics = compiled.diagnostics.map((d) => `${d.code}: ${d.message}`);
      continue;
    }
    c.base = writeBuild(compiled.model, dir);
  }
  check = typecheck(generatedTs(dir), dir);
});

afterAll(() => removeOut(dir));

describe('dangerous names build, type-check and predict under their own names', () => {
  it('a name tfjs cannot take (`__proto__` starts with `_`) is a diagnostic, not a crash', () => {
    for (const c of CASES.filter((x) => x.name === '__proto__' && x.role !== 'model')) {
      expect(c.diagnostics?.some((d) => d.startsWith('SN0218: ')), `${c.role}: ${c.diagnostics?.join('; ')}`).toBe(true);
    }
  });

  it('every case builds into a module of its own (or stops with a diagnostic)', () => {
    for (const c of CASES) {
      if (c.diagnostics) {
        // A diagnostic is an acceptable answer: it must carry a code and a message.
        for (const d of c.diagnostics) expect(d).toMatch(/^SN\d{4}: \S/);
      } else expect(c.base, `${c.role} ${c.name}`).toBeDefined();
    }
    const bases = CASES.flatMap((c) => (c.base ? [c.base] : []));
    expect(new Set(bases).size).toBe(bases.length);
    expect(bases.length).toBeGreaterThan(0);
  });

  it('all generated modules type-check under strict', () => {
    expect(check.diagnostics, check.diagnostics.join('\n')).toEqual([]);
    expect(check.files.filter((f) => f.startsWith(dir))).toHaveLength(CASES.filter((c) => c.base).length);
  });

  for (const c of CASES) {
    const label = `${c.role} ${c.name}`;
    it(`${label}: createModel() predicts with outputs keyed by the original names`, async () => {
      if (c.diagnostics) return;
      const mod = await importGenerated(join(dir, `${c.base}.js`));
      if (c.role === 'model') expect(mod.manifest.name).toBe(c.name);
      const model = mod.createModel({ seed: 3 });
      const inputs: Record<string, tf.Tensor> = {};
      inputs[c.model.inputs[0]!] = tf.tensor3d([[[1, 2, 3, 4], [1, 1, 1, 1], [0, 0, 0, 0]], [[4, 3, 2, 1], [0, 0, 0, 0], [0, 0, 0, 0]]]);
      if (c.role === 'lengths') inputs[c.model.inputs[1]!] = tf.tensor1d([2, 1], 'int32');
      const out = model.predict(inputs);
      expect(Object.keys(out).sort()).toEqual([c.model.out, `${c.model.out}_mask`].sort());
      for (const k of Object.keys(out)) expect(Object.getOwnPropertyDescriptor(out, k)?.value).toBeInstanceOf(tf.Tensor);
      expect(Array.from(out[`${c.model.out}_mask`]!.dataSync())).toEqual([1, 1, 0, 1, 0, 0]);
      const values = out[c.model.out]!;
      expect(values.shape).toEqual([2, 3, 3]);
      const v = Array.from(values.dataSync());
      // Real steps carry tanh values (non-zero for these inputs), padded steps exactly 0.
      expect(v.slice(6, 9)).toEqual([0, 0, 0]);
      expect(v.slice(12)).toEqual([0, 0, 0, 0, 0, 0]);
      expect(v.slice(0, 3).some((a) => a !== 0)).toBe(true);
      const loss = model.loss(inputs, { [c.model.target]: tf.zeros([2, 3, 3]) }).dataSync()[0]!;
      expect(Number.isFinite(loss) && loss > 0).toBe(true);
      // Weights keep the value's name.
      expect(model.weights.map((w) => w.originalName)).toEqual([`${c.model.out}_1/kernel`, `${c.model.out}_1/bias`]);
    });
  }
});

// ---------------------------------------------------------------- strings, file and folder names

/** A `.seqnet` string literal for `v`. */
function seqnetString(v: string): string {
  return `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

const TAG = 'q"s\'b`t${evil()}*/ evil(); /*\\ \u2028 //';
const OTHER = '"); evil(); ("';

/** A user layer (swish) exported as `class`: it records what it was constructed with. */
const SWISH_JS = `import { tf } from 'seqnet';
export class Swish extends tf.layers.Layer {
  static className = 'SeqnetTestSwish';
  constructor(args) {
    super({ name: args.name });
    this.tag = args.tag;
    this.other = args.other;
    (globalThis.seqnetTestSwish ??= []).push({ ...args });
  }
  computeOutputShape(shape) { return shape; }
  call(inputs) {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      return tf.mul(x, tf.sigmoid(x));
    });
  }
  getConfig() { return { ...super.getConfig(), tag: this.tag, other: this.other }; }
}
tf.serialization.registerClass(Swish);
export { Swish as class };
`;

const SWISH_DTS = `import { tf } from 'seqnet';
export declare class Swish extends tf.layers.Layer {
  constructor(args: Record<string, unknown>);
}
export { Swish as class };
`;

describe('strings in user text come out as they went in', () => {
  let root: string;
  let srcDir: string;
  let out: string;
  let cli: { code: number | null; stderr: string; stdout: string };
  let tsText: string;
  // No `/` in a name, but the import path `../<folder>/swish.js` holds `*/`.
  const folder = 'in "q\'s`t${evil()}\nevil(); *';
  const file = '*m"o\'d`${x}\nl.seqnet';

  beforeAll(async () => {
    root = outDir('build-strings');
    srcDir = join(root, folder);
    out = join(root, 'out');
    mkdirSync(srcDir);
    writeFileSync(join(srcDir, 'swish.js'), SWISH_JS);
    writeFileSync(join(srcDir, 'swish.d.ts'), SWISH_DTS);
    writeFileSync(
      join(srcDir, file),
      [
        `layer swish(x: f32[B, T, C], tag: string = ${seqnetString(TAG)}, other: string = "o") -> f32[B, T, C] {`,
        '  time: pointwise;',
        '  pads: keeps_zeros;',
        '  impl: "./swish.js#class";',
        '}',
        'model Strings {',
        '  input x: f32[B, T, 2] masked by zeros, padded post;',
        `  class = swish(x, other: ${seqnetString(OTHER)});`,
        '  default = swish(class, tag: "plain");',
        '  output default;',
        '}',
        '',
      ].join('\n'),
    );
    cli = await runCli(['build', relative(root, join(srcDir, file)), '-o', 'out'], root);
    tsText = cli.code === 0 ? readFileSync(join(out, 'strings.ts'), 'utf8') : '';
  });

  afterAll(() => removeOut(root));

  it('builds', () => {
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
  });

  it('parses to the intended statements, with no identifier taken from user text', () => {
    const sf = parseTs(tsText);
    expect(syntaxErrors(sf)).toEqual([]);
    // Runtime import, the layer's import, type import, manifest, createModel, loadModel.
    expect(sf.statements).toHaveLength(6);
    // builder; input; mask source; two custom layers; output; return.
    expect(functionBody(sf, 'createModel')).toHaveLength(7);
    expect(identifiers(sf)).not.toContain('evil');
    const header = tsText.split('\n')[0]!;
    // The base name of the source, on one line.
    expect(header).toBe(`// Generated by seqnetc ${JSON.parse(readFileSync('package.json', 'utf8')).version} from ${file.replace(/\n/g, ' ')}, model Strings.`);
  });

  it('imports the layer by a path relative to the output folder, and `class` under a safe local', () => {
    const sf = parseTs(tsText);
    const imp = sf.statements[1] as ts.ImportDeclaration;
    expect(stringValue(imp.moduleSpecifier as ts.Expression)).toBe(`../${folder}/swish.js`);
    const spec = (imp.importClause!.namedBindings as ts.NamedImports).elements[0]!;
    expect(spec.propertyName?.text).toBe('class');
    expect(spec.name.text).toBe('class_');
  });

  it('passes every string parameter through unchanged', () => {
    const sf = parseTs(tsText);
    const args = builderCalls(sf)
      .filter((c) => c.method === 'custom')
      .map((c) => objectValue((c.args[1] as ts.NewExpression).arguments![0]!));
    expect(args).toEqual([
      { name: 'class', other: OTHER, tag: TAG },
      { name: 'default', tag: 'plain', other: 'o' },
    ]);
  });

  it('type-checks under strict and runs: the layer receives the strings, outputs keep the names', async () => {
    const tc = typecheck([join(out, 'strings.ts')], root);
    expect(tc.diagnostics, tc.diagnostics.join('\n')).toEqual([]);
    await tf.setBackend('cpu');
    (globalThis as { seqnetTestSwish?: unknown[] }).seqnetTestSwish = [];
    const mod = await importGenerated(join(out, 'strings.js'));
    const model = mod.createModel({ seed: 1 });
    expect((globalThis as { seqnetTestSwish?: unknown[] }).seqnetTestSwish).toEqual([
      { name: 'class', other: OTHER, tag: TAG },
      { name: 'default', tag: 'plain', other: 'o' },
    ]);
    const outputs = model.predict({ x: tf.tensor3d([[[1, -1], [2, 0], [0, 0]]]) });
    expect(Object.keys(outputs)).toEqual(['default', 'default_mask']);
    const swish = (v: number) => v / (1 + Math.exp(-v));
    const expected = [1, -1, 2, 0].map((v) => swish(swish(v)));
    const got = Array.from(outputs.default!.dataSync());
    got.slice(0, 4).forEach((g, i) => expect(g).toBeCloseTo(expected[i]!, 5));
    expect(got.slice(4)).toEqual([0, 0]);
  });
});

// ---------------------------------------------------------------- a diagnostic, not a crash

describe('what cannot work is a diagnostic at build time, not a crash at createModel()', () => {
  let root: string;

  beforeAll(() => {
    root = outDir('build-refusals');
  });

  afterAll(() => removeOut(root));

  /** Builds `text` with the CLI; when it succeeds, createModel() and predict must work too. */
  async function buildOrRefuse(name: string, text: string, files: Record<string, string> = {}): Promise<void> {
    const src = join(root, name);
    mkdirSync(src);
    for (const [f, content] of Object.entries(files)) writeFileSync(join(src, f), content);
    writeFileSync(join(src, 'model.seqnet'), text);
    const r = await runCli(['build', 'model.seqnet', '-o', 'out'], src);
    if (r.code === 1) {
      expect(r.stderr).toMatch(/error SN\d{4}: /);
      expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
      return;
    }
    expect(r.code, r.stderr).toBe(0);
    await tf.setBackend('cpu');
    const mod = await importGenerated(join(src, 'out', 'm.js'));
    const model = mod.createModel({ seed: 1 });
    const x = tf.tensor3d([[[1, 2], [0, 0]]]);
    const out = model.predict({ x });
    for (const o of mod.manifest.outputs) {
      expect(Object.keys(out)).toContain(o.name);
      if (o.masked) expect(out[`${o.name}_mask`]!.shape).toEqual([1, 2]);
    }
    // Every key means one thing: an output's mask is not hidden by another output.
    expect(Object.keys(out)).toHaveLength(mod.manifest.outputs.length + mod.manifest.outputs.filter((o) => o.masked).length);
    if (mod.manifest.targets.length) model.loss({ x }, { y: tf.zeros([1, 2, 2]) });
  }

  // Outputs `a` and `a_mask` would hide the mask of `a` (API.md: `<name>_mask` beside each
  // output with a time axis): SN0209 refuses the pair.
  it('an output named like another output\'s mask (`a` and `a_mask`)', async () => {
    await buildOrRefuse('mask-clash', 'model M {\n  input x: f32[B, T, 2] masked by zeros, padded post;\n  a = relu(x);\n  a_mask = tanh(x);\n  output a, a_mask;\n}\n');
  });

  // A user-declared loss (a scalar output and an `impl`) is refused at its declaration (SN0215):
  // losses are built in.
  it('a user-declared loss layer', async () => {
    const lossJs = `import { tf } from 'seqnet';
export class L extends tf.layers.Layer {
  static className = 'SeqnetTestLoss';
  computeOutputShape() { return []; }
  call(inputs) { return tf.tidy(() => tf.mean(tf.square(tf.sub(inputs[0], inputs[1])))); }
}
tf.serialization.registerClass(L);
`;
    await buildOrRefuse(
      'user-loss',
      'layer myloss(a: f32[B, T, C], b: f32[B, T, C]) -> f32[] {\n  time: reduce;\n  uses_mask: true;\n  impl: "./l.js#L";\n}\nmodel M {\n  input x: f32[B, T, 2] masked by zeros, padded post;\n  target y: f32[B, T, 2];\n  h = relu(x);\n  output h;\n  loss myloss(h, y);\n}\n',
      { 'l.js': lossJs, 'l.d.ts': "import { tf } from 'seqnet';\nexport declare class L extends tf.layers.Layer {}\n" },
    );
  });

  it('a control: a plain model passes the same check', async () => {
    await buildOrRefuse('plain', 'model M {\n  input x: f32[B, T, 2] masked by zeros, padded post;\n  a = relu(x);\n  b = tanh(x);\n  output a, b;\n}\n');
  });
});
