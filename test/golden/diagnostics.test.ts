/**
 * Diagnostics, end to end, in two sets:
 *
 * 1. The pages `docs/errors/SNxxxx.md`. Every code in CODES has one. Each
 *    fenced block marked `seqnet failing SNxxxx` must produce that code and no
 *    other error (warnings may come along); each plain `seqnet` block must
 *    check clean (a page about a warning may keep other warnings); the
 *    `text` block right after a failing block is its rendered output, compared
 *    verbatim (run with SEQNET_UPDATE_DOCS=1 to rewrite those blocks).
 *    A block may carry `--model NAME` after its markers: it is then compiled
 *    like `seqnetc explain FILE --model NAME`.
 *
 * 2. The golden inputs `test/golden/diagnostics/<code>-<slug>.seqnet`. The
 *    first line says which codes the file must produce (`// expect: SN0103
 *    SN0103`), a `// model: NAME` line plays `--model NAME`. The rendered text
 *    and JSON lines are compared with file snapshots beside the input
 *    (`<name>.txt`, `<name>.jsonl`; update with `vitest -u`).
 *
 * Both compile a file the way the CLI's explain/build do: parse and check, and
 * when that finds no error, choose the model (SN0211, SN0212 come from there).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSource, loadBuiltins, selectModel, type Builtins } from '../../src/check/program.js';
import { readSpecs } from '../../src/cli/files.js';
import { CODES, type Code } from '../../src/diagnostics/codes.js';
import { hasErrors, sortDiagnostics, type Diagnostic } from '../../src/diagnostics/diagnostic.js';
import { renderJsonLines, renderText } from '../../src/diagnostics/render.js';
import { SourceFile } from '../../src/diagnostics/span.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DOCS = join(ROOT, 'docs', 'errors');
const GOLDEN = join(ROOT, 'test', 'golden', 'diagnostics');
const ALL_CODES = Object.keys(CODES) as Code[];

let cached: Builtins | undefined;
function builtins(): Builtins {
  if (!cached) {
    cached = loadBuiltins(readSpecs());
    expect(cached.diagnostics.map(renderText)).toEqual([]);
  }
  return cached;
}

/** What `seqnetc explain FILE [--model NAME]` would report, sorted. */
function compile(name: string, text: string, model?: string): Diagnostic[] {
  const checked = checkSource(new SourceFile(name, text), builtins());
  const ds = [...checked.diagnostics];
  if (!hasErrors(ds)) {
    const picked = selectModel(checked, model);
    if ('code' in picked) ds.push(picked);
  }
  return sortDiagnostics(ds);
}

function renderAll(ds: readonly Diagnostic[]): string {
  return ds.map(renderText).join('\n\n');
}

// ------------------------------------------------------------------ the pages

interface Block {
  /** The words after the opening fence: `seqnet`, `failing`, a code, `--model`, a name. */
  readonly info: string[];
  readonly body: string;
  /** 1-based line of the opening fence, for messages. */
  readonly line: number;
  /** Offsets of the body in the page, for rewriting. */
  readonly start: number;
  readonly end: number;
}

function fencedBlocks(page: string): Block[] {
  const out: Block[] = [];
  const re = /^```([^\n`]*)\n([\s\S]*?)^```[ \t]*$/gm;
  for (let m = re.exec(page); m; m = re.exec(page)) {
    const start = m.index + 3 + m[1]!.length + 1;
    out.push({
      info: m[1]!.trim().split(/\s+/).filter(Boolean),
      body: m[2]!,
      line: page.slice(0, m.index).split('\n').length,
      start,
      end: start + m[2]!.length,
    });
  }
  return out;
}

interface Example {
  readonly block: Block;
  /** The code the block must fail with, or undefined for a block that must check clean. */
  readonly failing?: Code;
  readonly model?: string;
  /** The `text` block right after a failing block: its rendered diagnostics. */
  readonly rendered?: Block;
}

function examples(page: string): Example[] {
  const blocks = fencedBlocks(page);
  const out: Example[] = [];
  blocks.forEach((b, i) => {
    if (b.info[0] !== 'seqnet') return;
    const modelAt = b.info.indexOf('--model');
    const model = modelAt >= 0 ? b.info[modelAt + 1] : undefined;
    const failing = b.info[1] === 'failing' ? (b.info[2] as Code) : undefined;
    const next = blocks[i + 1];
    const rendered = failing && next && next.info[0] === 'text' ? next : undefined;
    out.push({ block: b, failing, model, rendered });
  });
  return out;
}

const EXAMPLE_FILE = 'model.seqnet';

const pages = readdirSync(DOCS)
  .filter((f) => /^SN\d{4}\.md$/.test(f))
  .sort();

describe('docs/errors: one page per code', () => {
  it('every code in CODES has a page, and every page is a code', () => {
    expect(pages.map((p) => p.replace(/\.md$/, ''))).toEqual([...ALL_CODES].sort());
  });

  it('the index lists every code with its title and a link to its page', () => {
    const index = readFileSync(join(DOCS, 'README.md'), 'utf8');
    for (const code of ALL_CODES) {
      expect(index, code).toContain(`[${code}](${code}.md)`);
      expect(index, code).toContain(CODES[code].title);
    }
  });

  for (const page of pages) {
    const code = page.replace(/\.md$/, '') as Code;
    describe(page, () => {
      const text = readFileSync(join(DOCS, page), 'utf8');
      const exs = examples(text);

      it('is titled with its code and the title from CODES, and says its severity', () => {
        expect(text.split('\n')[0]).toBe(`# ${code}: ${CODES[code].title}`);
        expect(text).toMatch(new RegExp(`^\\*\\*${CODES[code].severity === 'error' ? 'Error' : 'Warning'}\\*\\*`, 'm'));
      });

      it('has a failing example of its own code with its rendered output, and a fixed version', () => {
        const own = exs.filter((e) => e.failing === code);
        expect(own.length, 'failing examples').toBeGreaterThan(0);
        for (const e of own) expect(e.rendered, `rendered output after the block at line ${e.block.line}`).toBeDefined();
        expect(exs.filter((e) => !e.failing).length, 'fixed examples').toBeGreaterThan(0);
        // Failing blocks only ever show this page's code: other codes have their own pages.
        expect(exs.filter((e) => e.failing && e.failing !== code).map((e) => e.block.line)).toEqual([]);
      });

      for (const e of exs) {
        const what = e.failing ? `fails with ${e.failing}` : 'checks clean';
        it(`the example at line ${e.block.line} ${what}`, () => {
          const ds = compile(EXAMPLE_FILE, e.block.body, e.model);
          const shown = renderAll(ds);
          if (e.failing) {
            // This code, and no other error; warnings may come along (they show in the rendered block).
            const errorsAndOwn = ds.filter((d) => d.severity === 'error' || d.code === e.failing);
            expect(errorsAndOwn.length, shown).toBeGreaterThan(0);
            expect([...new Set(errorsAndOwn.map((d) => d.code))], shown).toEqual([e.failing]);
            if (e.rendered) {
              if (process.env['SEQNET_UPDATE_DOCS']) rewriteBlock(join(DOCS, page), e.rendered, shown + '\n');
              else expect(e.rendered.body).toBe(shown + '\n');
            }
          } else if (CODES[code].severity === 'warning') {
            // A page about a warning may show a fixed version that still has other warnings, never an error.
            expect(ds.filter((d) => d.severity === 'error' || d.code === code).map(renderText).join('\n\n')).toBe('');
          } else {
            expect(shown).toBe('');
          }
        });
      }
    });
  }
});

/** Replace one block's body in a page (SEQNET_UPDATE_DOCS=1), keeping offsets of the others valid by matching text. */
function rewriteBlock(path: string, block: Block, body: string): void {
  const page = readFileSync(path, 'utf8');
  const fresh = fencedBlocks(page).find((b) => b.line === block.line);
  if (!fresh || fresh.body === body) return;
  writeFileSync(path, page.slice(0, fresh.start) + body + page.slice(fresh.end));
}

// ------------------------------------------------------------------ golden inputs

const goldenFiles = readdirSync(GOLDEN)
  .filter((f) => f.endsWith('.seqnet'))
  .sort();

function header(text: string): { expect: string[]; model?: string } {
  // An empty file cannot say what it expects: it is the file with no model.
  if (text === '') return { expect: ['SN0501'] };
  const codes = /^\/\/ expect:(.*)$/m.exec(text);
  const model = /^\/\/ model: (\S+)$/m.exec(text);
  return { expect: codes ? codes[1]!.trim().split(/\s+/).filter(Boolean) : [], model: model?.[1] };
}

function golden(name: string): { text: string; ds: Diagnostic[] } {
  const text = readFileSync(join(GOLDEN, name), 'utf8');
  return { text, ds: compile(name, text, header(text).model) };
}

describe('golden diagnostics', () => {
  it('every code has at least one golden input', () => {
    const covered = new Set(goldenFiles.map((f) => f.slice(0, 6)));
    expect(ALL_CODES.filter((c) => !covered.has(c))).toEqual([]);
  });

  for (const name of goldenFiles) {
    it(name, async () => {
      const { text, ds } = golden(name);
      const want = header(text).expect;
      expect(want.length, 'the file says what it expects on a `// expect:` line').toBeGreaterThan(0);
      expect(want, 'the file name starts with a code it expects').toContain(name.slice(0, 6));
      const shown = renderAll(ds);
      expect(ds.map((d) => d.code), shown).toEqual(want);
      const base = basename(name, '.seqnet');
      await expect(shown + '\n').toMatchFileSnapshot(join(GOLDEN, `${base}.txt`));
      await expect(renderJsonLines(ds) + '\n').toMatchFileSnapshot(join(GOLDEN, `${base}.jsonl`));
    });
  }
});

// ------------------------------------------------------------------ specific promises

/** The one diagnostic of a code in a golden file. */
function only(name: string, code: Code): Diagnostic & { line?: number; column?: number } {
  const { ds } = golden(name);
  const hits = ds.filter((d) => d.code === code);
  expect(hits, renderAll(ds)).toHaveLength(1);
  const d = hits[0]!;
  const p = d.file && d.span ? d.file.position(d.span.start) : undefined;
  return { ...d, line: p?.line, column: p?.column };
}

describe('what the golden files promise', () => {
  it('two independent syntax errors are both reported, each on its own line', () => {
    const { ds } = golden('SN0103-two-syntax-errors.seqnet');
    const at = ds.map((d) => [d.code, d.file!.position(d.span!.start).line]);
    // Line 3 lacks its `;` (reported where it is missing, not on line 4); line 7 lacks a `,`.
    expect(at).toEqual([
      ['SN0103', 3],
      ['SN0103', 7],
    ]);
    expect(ds[0]!.message).toBe('expected `;`, found `target`');
    expect(ds[1]!.message).toBe('expected `,` or `)`, found `activation`');
  });

  it('a lexer error points at the character', () => {
    const d = only('SN0101-unexpected-character.seqnet', 'SN0101');
    expect([d.line, d.column, d.span!.end - d.span!.start]).toEqual([4, 25, 1]);
    expect(d.message).toBe('unexpected character `#`');
  });

  const didYouMean: [string, Code, string][] = [
    ['SN0201-misspelled-layer.seqnet', 'SN0201', 'relu'],
    ['SN0202-misspelled-parameter.seqnet', 'SN0202', 'activation'],
    ['SN0206-misspelled-enum-value.seqnet', 'SN0206', 'causal'],
    ['SN0208-misspelled-name.seqnet', 'SN0208', 'hidden'],
    ['SN0210-misspelled-lengths-input.seqnet', 'SN0210', 'lens'],
    ['SN0212-misspelled-model.seqnet', 'SN0212', 'Tagger'],
  ];
  for (const [file, code, guess] of didYouMean) {
    it(`${code} suggests \`${guess}\``, () => {
      expect(only(file, code).help).toBe(`did you mean \`${guess}\`?`);
    });
  }

  it('SN0212 has a file but no span: it is about the command line, not a place in the file', () => {
    const d = only('SN0212-misspelled-model.seqnet', 'SN0212');
    expect(d.file?.name).toBe('SN0212-misspelled-model.seqnet');
    expect(JSON.parse(renderJsonLines([d]))).toMatchObject({ line: null, column: null, end: null });
  });
});

describe('the text format of LANGUAGE.md section 6', () => {
  const SPEC_EXAMPLE = `model M {
  input x: f32[B, T, 4] masked by zeros;
  target y: f32[B, T, 8];
  h = dense(x, units: 8);


  c = h |> conv1d(filters: 8, kernel: 3);
  output c;
  loss mse(c, y);
}
`;

  it('renders the example of the spec line for line (header, source line, carets, help)', () => {
    const [d, ...rest] = compile('model.seqnet', SPEC_EXAMPLE);
    expect(rest).toEqual([]);
    const lines = renderText(d!).split('\n');
    expect(lines.slice(0, 3)).toEqual([
      'model.seqnet:7:12: error SN0402: conv1d reads neighbouring steps, but the mask of `h` may have holes',
      '   7 |   c = h |> conv1d(filters: 8, kernel: 3);',
      '     |            ^^^^^^',
    ]);
    expect(lines[3]).toMatch(/^ {2}note: `x` is declared `masked by zeros`.* \(model\.seqnet:2:\d+\)$/);
    expect(lines.at(-1)).toBe('  help: if padding is only at the end, declare `masked by zeros, padded post`');
  });

  it('keeps the bars of the source line and the caret line in one column for any line number', () => {
    const padded = '\n'.repeat(120) + 'model M {\n  input x: f32[B, T, 4] masked by zeros, padded post;\n  h = rellu(x);\n  output h;\n}\n';
    const [d] = compile('model.seqnet', padded);
    const [, source, carets] = renderText(d!).split('\n');
    expect(source).toMatch(/^ +123 \| {3}h = rellu\(x\);$/);
    expect(carets!.indexOf('|')).toBe(source!.indexOf('|'));
    expect(carets!.indexOf('^')).toBe(source!.indexOf('rellu'));
  });
});
