/** Shared by the parser's unit and property tests. */
import type { FileAst } from '../../../src/syntax/ast.js';
import type { Diagnostic } from '../../../src/diagnostics/diagnostic.js';
import type { SourceFile, Span } from '../../../src/diagnostics/span.js';

interface Visited {
  readonly path: string;
  readonly label: string;
  readonly span: Span;
  readonly parent?: Visited;
}

function isSpan(x: unknown): x is Span {
  return typeof x === 'object' && x !== null && typeof (x as Span).start === 'number' && typeof (x as Span).end === 'number';
}

/** Every object in the AST that has a span, parents before children, in field order (iterative: ASTs can be deep). */
export function spannedNodes(ast: FileAst): Visited[] {
  const out: Visited[] = [];
  const stack: { value: unknown; path: string; key: string; parent: Visited | undefined }[] = [
    { value: ast, path: 'file', key: 'file', parent: undefined },
  ];
  while (stack.length > 0) {
    const { value, path, key, parent } = stack.pop()!;
    const next: typeof stack = [];
    if (Array.isArray(value)) {
      value.forEach((v, i) => next.push({ value: v, path: `${path}[${i}]`, key, parent }));
    } else if (typeof value === 'object' && value !== null) {
      const obj = value as Record<string, unknown>;
      let here = parent;
      if (isSpan(obj['span'])) {
        const label = typeof obj['kind'] === 'string' ? (obj['kind'] as string) : key;
        here = { path, label, span: obj['span'], parent };
        out.push(here);
      }
      for (const [k, v] of Object.entries(obj)) if (k !== 'span') next.push({ value: v, path: `${path}.${k}`, key: k, parent: here });
    }
    stack.push(...next.reverse());
  }
  return out;
}

/** Problems with the AST's spans: outside the file or the parent node, empty, or with surrounding blanks. */
export function spanProblems(file: SourceFile, ast: FileAst): string[] {
  const problems: string[] = [];
  const n = file.text.length;
  for (const v of spannedNodes(ast)) {
    const { start, end } = v.span;
    const where = `${v.path} (${v.label}) ${start}..${end}`;
    if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= n)) {
      problems.push(`${where}: outside the file`);
      continue;
    }
    if (v.label === 'File') continue;
    const text = file.text.slice(start, end);
    if (text.length === 0) problems.push(`${where}: empty`);
    if (text.trim() !== text) problems.push(`${where}: surrounding blanks in ${JSON.stringify(text)}`);
    const p = v.parent;
    if (p && (start < p.span.start || end > p.span.end)) problems.push(`${where}: outside its parent ${p.path}`);
  }
  return problems;
}

/** Problems with diagnostics' spans: every one must lie inside the file. */
export function diagnosticProblems(file: SourceFile, ds: readonly Diagnostic[]): string[] {
  const n = file.text.length;
  return ds
    .filter((d) => !d.span || !(Number.isInteger(d.span.start) && 0 <= d.span.start && d.span.start <= d.span.end && d.span.end <= n))
    .map((d) => `${d.code} ${d.message}: span ${JSON.stringify(d.span)} not inside 0..${n}`);
}

/** "line:col CODE message" for each diagnostic, lines shifted by `lineOffset`. */
export function diagnosticLines(file: SourceFile, ds: readonly Diagnostic[], lineOffset = 0): string[] {
  return ds.map((d) => {
    const p = file.position(d.span?.start ?? 0);
    return `! ${p.line - lineOffset}:${p.column} ${d.code} ${d.message}${d.help ? ` (help: ${d.help})` : ''}`;
  });
}

/** Removes the common indentation and the blank first and last lines of a template literal. */
export function dedent(s: string): string {
  const lines = s.replace(/^\n/, '').replace(/\n\s*$/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => l.match(/^ */)![0].length));
  return lines.map((l) => l.slice(indent)).join('\n');
}
