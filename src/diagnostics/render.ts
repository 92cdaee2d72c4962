import type { Diagnostic, Note } from './diagnostic.js';
import type { SourceFile, Span } from './span.js';

function location(file: SourceFile | undefined, span: Span | undefined): string {
  if (!file) return '';
  if (!span) return file.name;
  const p = file.position(span.start);
  return `${file.name}:${p.line}:${p.column}`;
}

/** The source line of the span's start, with a caret underline under the span (clipped to that line). */
function snippet(file: SourceFile, span: Span): string[] {
  const start = file.position(span.start);
  const end = file.position(Math.max(span.start, span.end));
  const text = file.line(start.line).replace(/\t/g, ' ');
  const lineLength = [...text].length;
  const lastCol = end.line === start.line ? end.column : lineLength + 1;
  const width = Math.max(1, lastCol - start.column);
  // As LANGUAGE.md section 6: the line number right-aligned in four columns, then ` | `.
  const num = String(start.line).padStart(4);
  const blank = ' '.repeat(num.length);
  return [`${num} | ${text}`, `${blank} | ${' '.repeat(start.column - 1)}${'^'.repeat(width)}`];
}

function noteLine(n: Note, primary: SourceFile | undefined): string {
  const where = n.span ? ` (${location(n.file ?? primary, n.span)})` : '';
  return `  note: ${n.message}${where}`;
}

/** rustc-style text, as LANGUAGE.md section 6 shows. */
export function renderText(d: Diagnostic): string {
  const loc = location(d.file, d.span);
  const lines = [`${loc ? loc + ': ' : ''}${d.severity} ${d.code}: ${d.message}`];
  if (d.file && d.span) lines.push(...snippet(d.file, d.span));
  for (const n of d.notes) lines.push(noteLine(n, d.file));
  if (d.help) lines.push(`  help: ${d.help}`);
  return lines.join('\n');
}

export interface JsonDiagnostic {
  file: string | null;
  line: number | null;
  column: number | null;
  end: { line: number; column: number } | null;
  code: string;
  severity: string;
  message: string;
  notes: { message: string; file: string | null; line: number | null; column: number | null }[];
  help: string | null;
}

export function toJson(d: Diagnostic): JsonDiagnostic {
  const start = d.file && d.span ? d.file.position(d.span.start) : undefined;
  const end = d.file && d.span ? d.file.position(d.span.end) : undefined;
  return {
    file: d.file?.name ?? null,
    line: start?.line ?? null,
    column: start?.column ?? null,
    end: end ? { line: end.line, column: end.column } : null,
    code: d.code,
    severity: d.severity,
    message: d.message,
    notes: d.notes.map((n) => {
      const f = n.file ?? d.file;
      const p = f && n.span ? f.position(n.span.start) : undefined;
      return { message: n.message, file: n.span ? (f?.name ?? null) : null, line: p?.line ?? null, column: p?.column ?? null };
    }),
    help: d.help ?? null,
  };
}

/** One JSON object per line. */
export function renderJsonLines(ds: readonly Diagnostic[]): string {
  return ds.map((d) => JSON.stringify(toJson(d))).join('\n');
}
