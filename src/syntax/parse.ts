/**
 * The front end's entry point: source text to AST plus SN01xx diagnostics.
 * It never throws: whatever the input, it returns an AST (possibly partial)
 * and says what was wrong.
 */
import { EOF, type IRecognitionException, type IToken } from 'chevrotain';
import { KEYWORDS, LBracket, LCurly, LParen, RBracket, RCurly, RParen, UnterminatedString } from '../../grammar/tokens.js';
import { seqnetParser } from '../../grammar/parser.js';
import type { FileAst } from './ast.js';
import { isReal } from './cst.js';
import { lex, type LexResult } from './lex.js';
import { buildFile } from './to-ast.js';
import { diagnostic, sortDiagnostics, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { SourceFile, Span } from '../diagnostics/span.js';

export interface ParseResult {
  readonly ast: FileAst;
  readonly diagnostics: Diagnostic[];
}

/** Deeper bracket nesting than this is refused rather than risking the call stack. */
export const MAX_NESTING = 200;

export function parse(file: SourceFile): ParseResult {
  const diagnostics: Diagnostic[] = [];
  const empty: FileAst = { kind: 'File', models: [], layers: [], span: { start: 0, end: file.text.length } };
  try {
    const lexed = lex(file);
    diagnostics.push(...lexed.diagnostics);
    const tooDeep = nestingTooDeep(lexed.tokens);
    if (tooDeep) {
      diagnostics.push(
        diagnostic('SN0103', `brackets nested more than ${MAX_NESTING} deep`, {
          file,
          span: spanOf(tooDeep),
          help: 'split the expression into several bindings',
        }),
      );
      return { ast: empty, diagnostics: sortDiagnostics(diagnostics) };
    }
    const parser = seqnetParser();
    const cst = parser.parseFile(lexed.tokens);
    diagnostics.push(...syntaxErrors(parser.errors, lexed, file));
    const ast = buildFile(cst, { file, diagnostics });
    return { ast, diagnostics: sortDiagnostics(dedupe(diagnostics)) };
  } catch (e) {
    // A bug here must not take the caller down; say so where a user will see it.
    const why = e instanceof RangeError ? 'the file is nested too deeply to parse' : `internal parser error (${String(e)}); please report it`;
    diagnostics.push(diagnostic('SN0103', why, { file, span: { start: 0, end: Math.min(1, file.text.length) } }));
    return { ast: empty, diagnostics: sortDiagnostics(diagnostics) };
  }
}

function spanOf(t: IToken): Span {
  return { start: t.startOffset, end: t.endOffset! + 1 };
}

function nestingTooDeep(tokens: readonly IToken[]): IToken | undefined {
  let depth = 0;
  for (const t of tokens) {
    const type = t.tokenType;
    if (type === LParen || type === LBracket || type === LCurly) {
      if (++depth > MAX_NESTING) return t;
    } else if (type === RParen || type === RBracket || type === RCurly) {
      depth = Math.max(0, depth - 1);
    }
  }
  return undefined;
}

const KEYWORD_TYPES = new Set(KEYWORDS);
/** Errors about a missing terminator or closer, which belong at the end of what came before. */
const ENDS_SOMETHING = /^expected (`[;)\]}]`|`,` or `[)\]]`|`;` or `,`),/;

/**
 * chevrotain's recognition errors as SN0103. An error right after characters
 * the lexer dropped is left out (the SN0101 there already explains it), and so
 * is "found end of file" after an unterminated comment.
 */
function syntaxErrors(errors: readonly IRecognitionException[], lexed: LexResult, file: SourceFile): Diagnostic[] {
  const out: Diagnostic[] = [];
  const text = file.text;
  for (const e of errors) {
    const found = e.token;
    const previous = (e as { previousToken?: IToken }).previousToken;
    const prev = previous && isReal(previous) ? previous : undefined;
    const atEof = !found || found.tokenType === EOF || !isReal(found);
    if (atEof && lexed.unterminatedComment) continue;
    // An unterminated string swallowed the rest of its line; what breaks after it follows from that.
    if (prev?.tokenType === UnterminatedString) continue;

    const prevEnd = prev ? prev.endOffset! + 1 : 0;
    const foundStart = atEof ? text.length : found.startOffset;
    // Characters the lexer dropped (SN0101) explain errors right after them and later on their line
    // (`# a comment` in another language's syntax).
    const droppedUpTo = lastDroppedBefore(lexed.dropped, foundStart + 1);
    const droppedBefore = lastDroppedBefore(lexed.dropped, foundStart);
    if (
      (droppedUpTo && droppedUpTo.start >= prevEnd) ||
      (droppedBefore && file.position(droppedBefore.start).line === file.position(foundStart).line)
    ) {
      continue;
    }

    let span: Span;
    if (atEof) {
      span = { start: prev ? prevEnd : text.length, end: prev ? prevEnd : text.length };
    } else if (prev && ENDS_SOMETHING.test(e.message) && file.position(prevEnd).line < file.position(foundStart).line) {
      // A missing `;` or `)` at the end of a line belongs to that line, not to the next one.
      span = { start: prevEnd, end: prevEnd };
    } else {
      span = spanOf(found);
    }
    out.push(diagnostic('SN0103', e.message, { file, span, help: helpFor(e.message, atEof ? undefined : found) }));
  }
  return out;
}

/** The last of the (sorted) dropped ranges that starts before `offset`. */
function lastDroppedBefore(dropped: readonly Span[], offset: number): Span | undefined {
  let lo = 0;
  let hi = dropped.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (dropped[mid]!.start < offset) lo = mid + 1;
    else hi = mid;
  }
  return dropped[lo - 1];
}

function helpFor(message: string, found: IToken | undefined): string | undefined {
  if (found && KEYWORD_TYPES.has(found.tokenType) && /^expected identifier\b/.test(message)) {
    return `\`${found.image}\` is a keyword and cannot be used as a name`;
  }
  if (/^expected dtype,/.test(message)) return 'the dtypes are `f32`, `i32` and `bool`';
  return undefined;
}

/** Recovery can report the same place twice (e.g. in-repetition and between-rules); keep the first. */
function dedupe(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return ds.filter((d) => {
    const key = `${d.code}:${d.span?.start}:${d.span?.end}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
