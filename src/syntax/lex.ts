/**
 * Lexing, its diagnostics (SN0101, SN0102, SN0104), and the decoding of
 * number and string tokens.
 */
import type { IToken } from 'chevrotain';
import { SeqnetLexer, NumberLit, UnterminatedComment, UnterminatedString } from '../../grammar/tokens.js';
import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { SourceFile, Span } from '../diagnostics/span.js';

export interface LexResult {
  readonly tokens: IToken[];
  readonly diagnostics: Diagnostic[];
  /** Source ranges the lexer dropped (unexpected characters), so the parser's follow-on errors can be muted. */
  readonly dropped: Span[];
  /** A block comment ran to the end of the file: "expected ..., found end of file" would only repeat that. */
  readonly unterminatedComment: boolean;
}

/** The longest number at the start of a token's text. */
const NUMBER_PREFIX = /^[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/;
const VALID_NUMBER = new RegExp(`${NUMBER_PREFIX.source}$`);

/** The value of a number token, or undefined when its text is not a number (reported as SN0104 by `lex`). */
function numberValue(image: string): number | undefined {
  if (!VALID_NUMBER.test(image)) return undefined;
  const v = Number(image);
  return Number.isFinite(v) ? v : undefined;
}

/**
 * The value to carry on with for a number token: its value, or for an
 * invalid one (already reported as SN0104) that of its longest valid prefix,
 * `0.1` for `0.1.5`, so that the argument it gives is not also reported
 * missing. `text` is what the value was read from (the whole token when it
 * is a number: the prefix match is greedy).
 */
export function numberOrGuess(image: string): { value: number; text: string } | undefined {
  const text = NUMBER_PREFIX.exec(image)?.[0];
  const value = text === undefined ? NaN : Number(text);
  return text !== undefined && Number.isFinite(value) ? { value, text } : undefined;
}

/**
 * The value of a string token: `\"` and `\\` are the escapes; any other
 * backslash stays as written (so `"a\n"` is a backslash and an `n`).
 */
export function stringValue(tok: IToken): string {
  const body = tok.tokenType === UnterminatedString ? tok.image.slice(1) : tok.image.slice(1, -1);
  return body.replace(/\\(["\\])/g, '$1');
}

function show(text: string): string {
  const shown = text.length > 20 ? text.slice(0, 17) + '...' : text;
  return shown.replace(/\r/g, '\\r').replace(/\n/g, '\\n').replace(/\t/g, '\\t');
}

export function lex(file: SourceFile): LexResult {
  const text = file.text;
  const result = SeqnetLexer.tokenize(text);
  const diagnostics: Diagnostic[] = [];
  const dropped: Span[] = [];

  // chevrotain reports one error per run of characters it skipped; runs may also abut.
  for (const e of result.errors) {
    let start = e.offset;
    let end = e.offset + Math.max(1, e.length);
    const last = dropped[dropped.length - 1];
    if (last && last.end === start) {
      start = last.start;
      dropped.pop();
      diagnostics.pop();
    }
    // Never split a surrogate pair: report the whole character.
    if (end < text.length && isHighSurrogate(text.charCodeAt(end - 1)) && isLowSurrogate(text.charCodeAt(end))) end++;
    end = Math.min(end, text.length);
    const span = { start, end };
    dropped.push(span);
    const chars = text.slice(start, end);
    const plural = [...chars].length > 1 ? 'characters' : 'character';
    diagnostics.push(diagnostic('SN0101', `unexpected ${plural} \`${show(chars)}\``, { file, span }));
  }

  let unterminatedComment = false;
  for (const t of result.groups['errors'] ?? []) {
    if (t.tokenType === UnterminatedComment) {
      unterminatedComment = true;
      diagnostics.push(
        diagnostic('SN0102', 'unterminated comment: `/*` has no matching `*/`', {
          file,
          span: { start: t.startOffset, end: t.startOffset + 2 },
        }),
      );
    }
  }

  for (const t of result.tokens) {
    if (t.tokenType === UnterminatedString) {
      diagnostics.push(
        diagnostic('SN0102', 'unterminated string: no closing `"` on this line', {
          file,
          span: { start: t.startOffset, end: t.endOffset! + 1 },
        }),
      );
    } else if (t.tokenType === NumberLit && numberValue(t.image) === undefined) {
      const wellFormed = VALID_NUMBER.test(t.image);
      diagnostics.push(
        diagnostic('SN0104', wellFormed ? `number \`${show(t.image)}\` is too large` : `invalid number \`${show(t.image)}\``, {
          file,
          span: { start: t.startOffset, end: t.endOffset! + 1 },
          help: wellFormed ? undefined : 'numbers are written like `40`, `0.5` or `1e-3`',
        }),
      );
    }
  }

  return { tokens: result.tokens, diagnostics, dropped, unterminatedComment };
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}
function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
