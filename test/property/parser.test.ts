/**
 * The parser never throws or hangs, whatever it is given, and every span it
 * reports (diagnostics and AST nodes) lies inside the file. Inputs: random
 * strings over seqnet's alphabet, and valid sample files mutated token by
 * token (delete, insert, swap, duplicate). Fixed seeds; fast-check prints the
 * seed and the shrunk counterexample on failure.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { SeqnetLexer } from '../../grammar/tokens.js';
import { parse } from '../../src/syntax/parse.js';
import { SourceFile } from '../../src/diagnostics/span.js';
import { diagnosticProblems, spanProblems } from '../unit/syntax/helpers.js';
import { LAYERS, MODELS, TAGGER } from '../unit/syntax/samples.js';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { main } from '../../src/cli/main.js';

const deep = process.env['SEQNET_DEEP'] === '1';
/** A parse of a small file takes well under a millisecond; anything near this is a hang in the making. */
const PARSE_TIME_LIMIT_MS = 1000;

function checkParse(text: string): void {
  const file = new SourceFile('p.seqnet', text);
  const t0 = performance.now();
  const { ast, diagnostics } = parse(file);
  const ms = performance.now() - t0;
  expect(ms, 'parse time (ms)').toBeLessThan(PARSE_TIME_LIMIT_MS);
  expect(diagnosticProblems(file, diagnostics)).toEqual([]);
  expect(spanProblems(file, ast)).toEqual([]);
}

// ---------------------------------------------------------------- random text

const WORDS = [
  'model', 'layer', 'input', 'target', 'output', 'loss', 'masked', 'by', 'padded', 'post', 'pre', 'zeros',
  'value', 'lengths', 'true', 'false', 'f32', 'i32', 'bool', 'x', 'h', 'conv1d', 'T', "T'", 'int',
  '0', '40', '1.5', '-1e-3', '1e', '12abc', '"s"', '"', '\\"', '/*', '*/', '//', '\n', ' ', '\t',
  '{', '}', '[', ']', '(', ')', ':', ';', ',', '=', '==', '!=', '<', '<=', '>', '>=', '!', '?',
  '+', '-', '*', '/', '%', '|', '||', '|>', '&&', '->', '...', '.', "'", '@', '#', 'é', '😀', '\uD800', '\u0000',
];

const randomText = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.array(fc.constantFrom(...WORDS), { maxLength: 120 }).map((ws) => ws.join('')),
  fc.array(fc.constantFrom(...WORDS), { maxLength: 120 }).map((ws) => ws.join(' ')),
);

// ---------------------------------------------------------------- token mutations

/** A file as tokens, each with the text (blanks, comments) before it, so it can be put back together. */
interface Piece {
  readonly before: string;
  readonly image: string;
}

function pieces(text: string): { parts: Piece[]; tail: string } {
  const { tokens } = SeqnetLexer.tokenize(text);
  const parts: Piece[] = [];
  let at = 0;
  for (const t of tokens) {
    parts.push({ before: text.slice(at, t.startOffset), image: t.image });
    at = t.endOffset! + 1;
  }
  return { parts, tail: text.slice(at) };
}

function join(parts: readonly Piece[], tail: string): string {
  return parts.map((p) => p.before + p.image).join('') + tail;
}

type Mutation =
  | { kind: 'delete'; at: number }
  | { kind: 'insert'; at: number; image: string }
  | { kind: 'swap'; at: number; with: number }
  | { kind: 'duplicate'; at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), image: fc.constantFrom(...WORDS) }),
  fc.record({ kind: fc.constant('swap' as const), at: fc.nat(), with: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat() }),
);

function mutate(parts: Piece[], m: Mutation): Piece[] {
  if (parts.length === 0) return m.kind === 'insert' ? [{ before: ' ', image: m.image }] : parts;
  const out = [...parts];
  const i = m.at % out.length;
  switch (m.kind) {
    case 'delete':
      out.splice(i, 1);
      break;
    case 'insert':
      out.splice(i, 0, { before: ' ', image: m.image });
      break;
    case 'swap': {
      const j = m.with % out.length;
      const a = out[i]!;
      const b = out[j]!;
      out[i] = { before: a.before, image: b.image };
      out[j] = { before: b.before, image: a.image };
      break;
    }
    case 'duplicate':
      out.splice(i, 0, { before: out[i]!.before, image: out[i]!.image });
      break;
  }
  return out;
}

const SAMPLES = { TAGGER, MODELS, LAYERS };

describe('parse never throws, never hangs, and keeps spans inside the file', () => {
  test('random text', () => {
    fc.assert(fc.property(randomText, checkParse), { seed: 42, numRuns: deep ? 20_000 : 1_000 });
  });

  test.each(Object.entries(SAMPLES))('token mutations of sample %s', (_name, text) => {
    const { parts, tail } = pieces(text);
    expect(join(parts, tail)).toBe(text);
    expect(parse(new SourceFile('s.seqnet', text)).diagnostics).toEqual([]);
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 6 }), (ms) => {
        checkParse(join(ms.reduce(mutate, parts), tail));
      }),
      { seed: 42, numRuns: deep ? 10_000 : 300 },
    );
  });

  test('a mutated file with errors in two places reports an error near each', () => {
    // Delete one token in the second statement and one in the second-to-last:
    // both must be reported, on their own lines.
    const text = TAGGER;
    const { parts, tail } = pieces(text);
    const semis = parts.flatMap((p, i) => (p.image === ';' ? [i] : []));
    const first = semis[1]!;
    const second = semis[semis.length - 2]!;
    const mutated = parts.filter((_, i) => i !== first && i !== second);
    const file = new SourceFile('m.seqnet', join(mutated, tail));
    const lines = parse(file).diagnostics.map((d) => file.position(d.span!.start).line);
    expect(lines).toEqual([5, 11]);
  });
});

// ---------------------------------------------------------------- the whole `check` command

describe('`seqnetc check` on mutated examples never throws, exits only 0 or 1, and keeps spans inside the file', () => {
  const examples = readdirSync('examples').filter((f) => f.endsWith('.seqnet'));
  const dir = mkdtempSync(joinPath(tmpdir(), 'seqnet-fuzz-'));
  test.each(examples)('%s', async (name) => {
    const text = readFileSync(joinPath('examples', name), 'utf8');
    const { parts, tail } = pieces(text);
    const path = joinPath(dir, name);
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 4 }), async (ms) => {
        const mutated = join(ms.reduce(mutate, parts), tail);
        writeFileSync(path, mutated);
        let out = '';
        const io = { stdout: (t: string) => void (out += t), stderr: (t: string) => void (out += t) };
        const code = await main(['check', '--format', 'json', path], io);
        expect([0, 1], out).toContain(code);
        expect(out).not.toMatch(/internal error|\n\s+at /);
        for (const line of out.split('\n').filter((l) => l.startsWith('{'))) {
          const d = JSON.parse(line) as { line: number | null; column: number | null; end: { line: number; column: number } | null };
          if (d.line === null) continue;
          const file = new SourceFile(path, mutated);
          const last = file.position(mutated.length);
          expect(d.line).toBeGreaterThanOrEqual(1);
          expect(d.end!.line < last.line || (d.end!.line === last.line && d.end!.column <= last.column), line).toBe(true);
        }
      }),
      { seed: 42, numRuns: deep ? 2_000 : 60 },
    );
  });
  test('cleanup', () => rmSync(dir, { recursive: true, force: true }));
});
