/**
 * The documentation cannot drift from the compiler:
 *
 * - every ```seqnet block of README.md, ARCHITECTURE.md and docs/**.md
 *   (docs/errors/ has its own test) is checked with the real built-in specs:
 *   a plain block must check without errors, a block marked
 *   ```seqnet failing SNxxxx must report exactly that code, a block marked
 *   ```seqnet fragment (not a whole file) is skipped, and a block that
 *   restates built-in layers (layer declarations only, some named like a
 *   built-in, as in specs/*.seqnet), or is marked ```seqnet spec, is checked
 *   as a spec file on its own;
 * - every ```text block right after `<!-- output: seqnetc ARGS -->` is what
 *   `seqnetc ARGS` prints (stdout and stderr in order) in a folder holding
 *   `examples/*.seqnet` and, as `model.seqnet`, the nearest ```seqnet block
 *   above the marker;
 * - the pictures in docs/images/ are what `seqnetc explain --format svg`
 *   draws for the examples.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { checkSource, loadBuiltins, selectModel, type Builtins, type Checked } from '../../../src/check/program.js';
import { packageRoot, readSpecs } from '../../../src/cli/files.js';
import { main, type Io } from '../../../src/cli/main.js';
import { isCode } from '../../../src/diagnostics/codes.js';
import { SourceFile } from '../../../src/diagnostics/span.js';
import { renderExplainSvg } from '../../../src/emit/explain.js';
import { insertFills } from '../../../src/rewrite/fills.js';

const root = packageRoot();

/** README.md, ARCHITECTURE.md and every .md under docs/ except docs/errors/. */
function docFiles(): string[] {
  const out = ['README.md', 'ARCHITECTURE.md'].filter((f) => exists(join(root, f)));
  const walk = (dir: string) => {
    for (const name of readdirSync(join(root, dir)).sort()) {
      const rel = join(dir, name);
      if (rel === join('docs', 'errors')) continue;
      if (statSync(join(root, rel)).isDirectory()) walk(rel);
      else if (name.endsWith('.md')) out.push(rel);
    }
  };
  walk('docs');
  return out;
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

interface Block {
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly lang: string;
  /** The words after the language: `failing SN0402`, `fragment`. */
  readonly info: string[];
  readonly text: string;
  /** The `<!-- output: ... -->` marker on the line before the fence, if any. */
  readonly output?: string;
}

/** Fenced blocks of a markdown text (``` fences, not indented). */
function fencedBlocks(file: string, text: string): Block[] {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(`{3,})\s*([A-Za-z0-9_-]*)\s*(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const fence = open[1]!;
    let j = i + 1;
    while (j < lines.length && !lines[j]!.startsWith(fence)) j++;
    const marker = /^<!--\s*output:\s*(.*?)\s*-->\s*$/.exec(lines[i - 1] ?? '');
    blocks.push({
      file,
      line: i + 1,
      lang: open[2]!,
      info: open[3]!.split(/\s+/).filter(Boolean),
      text: lines.slice(i + 1, j).join('\n') + '\n',
      ...(marker ? { output: marker[1]! } : {}),
    });
    i = j;
  }
  return blocks;
}

const files = docFiles();
const blocks = files.flatMap((f) => fencedBlocks(f, readFileSync(join(root, f), 'utf8')));
const seqnetBlocks = blocks.filter((b) => b.lang === 'seqnet');

let builtinsCache: Builtins | undefined;
function builtins(): Builtins {
  builtinsCache ??= loadBuiltins(readSpecs());
  expect(builtinsCache.diagnostics).toEqual([]);
  return builtinsCache;
}

describe('the fence parser', () => {
  test('reads the language, the info words, the text and the output marker', () => {
    const md = ['intro', '```seqnet failing SN0402', 'model M {}', '```', '<!-- output: seqnetc check model.seqnet -->', '```text', 'out', '```', ''].join('\n');
    expect(fencedBlocks('x.md', md)).toEqual([
      { file: 'x.md', line: 2, lang: 'seqnet', info: ['failing', 'SN0402'], text: 'model M {}\n' },
      { file: 'x.md', line: 6, lang: 'text', info: [], text: 'out\n', output: 'seqnetc check model.seqnet' },
    ]);
  });

  test('the documentation has seqnet blocks to check', () => {
    for (const f of ['README.md', 'docs/language.md', 'docs/masking.md']) {
      expect(seqnetBlocks.filter((b) => b.file === f).length, `${f} has seqnet blocks`).toBeGreaterThan(0);
    }
  });
});

/** Layer declarations only, some restating a built-in layer (which a user file cannot): a spec text. */
function restatesBuiltins(c: Checked): boolean {
  const names = c.ast.layers.map((l) => l.name.name);
  return c.ast.models.length === 0 && names.some((n) => builtins().library.get(n)?.builtin === true);
}

describe.each(seqnetBlocks.map((b) => [`${b.file}:${b.line}`, b] as const))('%s', (_where, block) => {
  const [kind, code, ...rest] = block.info;
  if (kind === 'fragment') {
    test.skip('a fragment, not a whole file', () => {});
    return;
  }
  test('is marked plainly, `failing SNxxxx`, `spec` or `fragment`', () => {
    const ok = kind === undefined || (kind === 'spec' && code === undefined) || (kind === 'failing' && code !== undefined && isCode(code) && rest.length === 0);
    expect(ok).toBe(true);
  });
  const name = `${block.file}:${block.line}`;
  const checked = () => checkSource(new SourceFile(name, block.text), builtins());
  if (kind === 'spec' || (kind === undefined && restatesBuiltins(checked()))) {
    test('loads as a spec file on its own', () => {
      const alone = loadBuiltins([{ name, text: block.text }]);
      expect(alone.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
      expect(alone.library.names().length).toBeGreaterThan(0);
    });
  } else if (kind === 'failing') {
    test(`reports exactly ${code}`, () => {
      const c = checked();
      const severe = c.diagnostics.filter((d) => d.severity === 'error');
      const reported = severe.length > 0 ? severe : c.diagnostics;
      expect([...new Set(reported.map((d) => d.code))]).toEqual([code]);
    });
  } else {
    test('checks without errors', () => {
      const errors = checked().diagnostics.filter((d) => d.severity === 'error');
      expect(errors.map((d) => `${d.code} ${d.message}`)).toEqual([]);
    });
  }
});

// ------------------------------------------------------------------ outputs

const outputBlocks = blocks.filter((b) => b.output !== undefined);
let work: string | undefined;
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Splits `seqnetc check model.seqnet --format json` into argv (no quoting needed in the docs). */
function argvOf(marker: string): string[] {
  const words = marker.split(/\s+/).filter(Boolean);
  expect(words[0], 'an output marker starts with `seqnetc`').toBe('seqnetc');
  return words.slice(1);
}

describe.each(outputBlocks.map((b) => [`${b.file}:${b.line}: ${b.output}`, b] as const))('%s', (_where, block) => {
  test('is what the command prints', async () => {
    work ??= mkdtempSync(join(tmpdir(), 'seqnet-docs-'));
    const dir = mkdtempSync(join(work, 'run-'));
    mkdirSync(join(dir, 'examples'));
    cpSync(join(root, 'examples'), join(dir, 'examples'), { recursive: true, filter: (src) => statSync(src).isDirectory() || src.endsWith('.seqnet') });
    const above = seqnetBlocks.filter((b) => b.file === block.file && b.line < block.line).at(-1);
    if (above) writeFileSync(join(dir, 'model.seqnet'), above.text);
    let printed = '';
    const io: Io = { stdout: (s) => void (printed += s), stderr: (s) => void (printed += s) };
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      await main(argvOf(block.output!), io);
    } finally {
      process.chdir(cwd);
    }
    expect(printed.trimEnd()).toBe(block.text.trimEnd());
  });
});

// ------------------------------------------------------------------ pictures

const images = exists(join(root, 'docs', 'images')) ? readdirSync(join(root, 'docs', 'images')).filter((f) => f.endsWith('.svg')).sort() : [];

describe('docs/images', () => {
  test('holds a picture of every example', () => {
    const examples = readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.seqnet')).map((f) => f.replace(/\.seqnet$/, '.svg'));
    expect(images).toEqual(expect.arrayContaining(examples.sort()));
  });

  test.each(images)('%s is what `seqnetc explain --format svg` draws now', async (svg) => {
    const source = join('examples', svg.replace(/\.svg$/, '.seqnet'));
    const checked = checkSource(new SourceFile(source, readFileSync(join(root, source), 'utf8')), builtins());
    const model = selectModel(checked);
    if ('code' in model) throw new Error(`${source}: ${model.message}`);
    const fresh = await renderExplainSvg(insertFills(model));
    const committed = readFileSync(join(root, 'docs', 'images', svg), 'utf8');
    expect(committed, `regenerate with: node dist/src/cli/main.js explain ${source} --format svg > ${relative(root, join(root, 'docs', 'images', svg))}`).toBe(fresh);
  });
});

// ------------------------------------------------------------------ links

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

function anchorsOf(markdown: string): Set<string> {
  const out = new Set<string>();
  let inFence = false;
  for (const line of markdown.split('\n')) {
    if (/^```/.test(line)) inFence = !inFence;
    const h = !inFence && /^#{1,6}\s+(.*)$/.exec(line);
    if (h) out.add(slug(h[1]!));
  }
  return out;
}

/** The pages this test's owner writes; other pages have their own tests. */
const linkedPages = ['README.md', 'ARCHITECTURE.md', 'docs/language.md', 'docs/masking.md', 'docs/api.md', 'docs/cli.md'].filter((f) => exists(join(root, f)));

describe.each(linkedPages)('links in %s', (page) => {
  test('point at files that exist, and at headings that exist', () => {
    const text = readFileSync(join(root, page), 'utf8').replace(/^```[\s\S]*?^```/gm, '');
    const broken: string[] = [];
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1]!;
      if (/^[a-z]+:/i.test(target)) continue;
      const [path, anchor] = target.split('#') as [string, string | undefined];
      const file = path === '' ? join(root, page) : join(root, page, '..', path);
      if (!exists(file)) {
        broken.push(`${target}: no such file`);
        continue;
      }
      if (anchor !== undefined && file.endsWith('.md') && !anchorsOf(readFileSync(file, 'utf8')).has(anchor)) broken.push(`${target}: no such heading`);
    }
    expect(broken).toEqual([]);
  });
});
