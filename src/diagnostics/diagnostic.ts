import type { Code } from './codes.js';
import { CODES } from './codes.js';
import type { SourceFile, Span } from './span.js';

export type Severity = 'error' | 'warning';

/** A secondary message, optionally pointing at another place (possibly in another file). */
export interface Note {
  readonly message: string;
  readonly span?: Span;
  readonly file?: SourceFile;
}

export interface Diagnostic {
  readonly code: Code;
  readonly severity: Severity;
  readonly message: string;
  /** The file the primary span is in; absent for file-less problems (a bad `--model`). */
  readonly file?: SourceFile;
  readonly span?: Span;
  readonly notes: readonly Note[];
  readonly help?: string;
}

export interface DiagnosticInit {
  file?: SourceFile;
  span?: Span;
  notes?: Note[];
  help?: string;
  severity?: Severity;
}

export function diagnostic(code: Code, message: string, init: DiagnosticInit = {}): Diagnostic {
  return {
    code,
    severity: init.severity ?? CODES[code].severity,
    message,
    file: init.file,
    span: init.span,
    notes: init.notes ?? [],
    help: init.help,
  };
}

export function hasErrors(ds: readonly Diagnostic[]): boolean {
  return ds.some((d) => d.severity === 'error');
}

/** Order by file, then position, so output is stable whatever order stages found problems in. */
export function sortDiagnostics(ds: readonly Diagnostic[]): Diagnostic[] {
  return [...ds].sort(
    (a, b) =>
      (a.file?.name ?? '').localeCompare(b.file?.name ?? '') ||
      (a.span?.start ?? -1) - (b.span?.start ?? -1) ||
      a.code.localeCompare(b.code),
  );
}
