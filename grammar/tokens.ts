/**
 * The seqnet lexer (LANGUAGE.md section 2). Token labels are the words used in
 * syntax error messages ("expected `;` or identifier, found `}`").
 */
import { createToken, Lexer, type TokenType } from 'chevrotain';

// ---------------------------------------------------------------- skipped

export const WhiteSpace = createToken({
  name: 'WhiteSpace',
  pattern: /[ \t\r\n\f\v\uFEFF]+/,
  group: Lexer.SKIPPED,
  line_breaks: true,
});
export const LineComment = createToken({ name: 'LineComment', pattern: /\/\/[^\n\r]*/, group: Lexer.SKIPPED });
export const BlockComment = createToken({
  name: 'BlockComment',
  pattern: /\/\*[\s\S]*?\*\//,
  group: Lexer.SKIPPED,
  line_breaks: true,
});
/** A `/*` with no `*\/`: kept out of the token stream, reported as SN0102. */
export const UnterminatedComment = createToken({
  name: 'UnterminatedComment',
  pattern: /\/\*[\s\S]*/,
  group: 'errors',
  line_breaks: true,
});

// ---------------------------------------------------------------- literals

export const Identifier = createToken({ name: 'Identifier', pattern: /[A-Za-z_][A-Za-z0-9_]*/, label: 'identifier' });

/**
 * Deliberately greedy: `12abc`, `1.2.3`, `1e` and `0x1f` lex as one number token
 * so the parser sees one operand and SN0104 can name the whole text. The lexer
 * has no sign: `-` is always its own token.
 */
export const NumberLit = createToken({
  name: 'NumberLit',
  pattern: /[0-9](?:[eE][+-]?|[0-9A-DF-Za-df-z_]|\.(?!\.))*/,
  label: 'number',
});

export const StringLit = createToken({
  name: 'StringLit',
  pattern: /"(?:[^"\\\r\n]|\\[^\r\n])*"/,
  label: 'string',
});
const STRING_TO_LINE_END = /"(?:[^"\\\r\n]|\\[^\r\n])*\\?/y;
const LINE_END_PUNCTUATION = /[\s;,)\]}]*$/;

/**
 * A string with no closing quote on its line. It ends before the punctuation
 * that ends the line (`impl: "./a.js#A;` is the string `./a.js#A` and a `;`),
 * which is most often where the quote was forgotten. It is a StringLit to the
 * parser, so only SN0102 is reported, not a syntax error too.
 */
export const UnterminatedString = createToken({
  name: 'UnterminatedString',
  pattern: { exec: matchUnterminatedString },
  line_breaks: false,
  start_chars_hint: ['"'],
  categories: [StringLit],
  label: 'string',
});

function matchUnterminatedString(text: string, offset: number): RegExpExecArray | null {
  STRING_TO_LINE_END.lastIndex = offset;
  const m = STRING_TO_LINE_END.exec(text);
  if (!m) return null;
  const body = m[0].slice(1).replace(LINE_END_PUNCTUATION, '');
  // An escaped character cannot be split from its backslash.
  const trimmed = /(^|[^\\])(\\\\)*\\$/.test(body) ? m[0] : `"${body}`;
  const out = [trimmed] as unknown as RegExpExecArray;
  out.index = offset;
  out.input = text;
  return out;
}

// ---------------------------------------------------------------- keywords

/** The dtype keywords, where a type or an enum member is expected. */
export const DType = createToken({ name: 'DType', pattern: Lexer.NA, label: 'dtype' });
/** Every keyword: layer parameters may be named by one (`crossentropy(logits, target)`). */
export const Keyword = createToken({ name: 'Keyword', pattern: Lexer.NA, label: 'keyword' });
/** Keywords that may stand as plain words in rule expressions (`needs: zeros`, a parameter named `target`). */
export const KeywordWord = createToken({ name: 'KeywordWord', pattern: Lexer.NA, label: 'word' });

function keyword(word: string, categories: TokenType[] = []): TokenType {
  const name = word[0]!.toUpperCase() + word.slice(1);
  return createToken({
    name,
    pattern: new RegExp(word),
    longer_alt: Identifier,
    categories: [Keyword, ...categories],
    label: `\`${word}\``,
  });
}

export const Model = keyword('model');
export const Input = keyword('input', [KeywordWord]);
export const Target = keyword('target', [KeywordWord]);
export const Output = keyword('output');
export const Loss = keyword('loss');
export const Layer = keyword('layer');
export const Masked = keyword('masked');
export const By = keyword('by');
export const Padded = keyword('padded');
export const Post = keyword('post', [KeywordWord]);
export const Pre = keyword('pre', [KeywordWord]);
export const Zeros = keyword('zeros', [KeywordWord]);
export const Value = keyword('value', [KeywordWord]);
export const Lengths = keyword('lengths', [KeywordWord]);
export const True = keyword('true');
export const False = keyword('false');
export const F32 = keyword('f32', [DType, KeywordWord]);
export const I32 = keyword('i32', [DType, KeywordWord]);
export const Bool = keyword('bool', [DType, KeywordWord]);

export const KEYWORDS: readonly TokenType[] = [
  Model, Input, Target, Output, Loss, Layer, Masked, By, Padded, Post, Pre,
  Zeros, Value, Lengths, True, False, F32, I32, Bool,
];

// ---------------------------------------------------------------- punctuation

function punct(name: string, text: string, categories: TokenType[] = []): TokenType {
  const pattern = new RegExp(text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
  return createToken({ name, pattern, categories, label: `\`${text}\`` });
}

export const CmpOp = createToken({ name: 'CmpOp', pattern: Lexer.NA, label: 'comparison' });
export const AddOp = createToken({ name: 'AddOp', pattern: Lexer.NA, label: '`+` or `-`' });
export const MulOp = createToken({ name: 'MulOp', pattern: Lexer.NA, label: '`*`, `/` or `%`' });

export const Ellipsis = punct('Ellipsis', '...');
export const Arrow = punct('Arrow', '->');
export const Pipe = punct('Pipe', '|>');
export const OrOr = punct('OrOr', '||');
export const Bar = punct('Bar', '|');
export const AndAnd = punct('AndAnd', '&&');
export const EqEq = punct('EqEq', '==', [CmpOp]);
export const NotEq = punct('NotEq', '!=', [CmpOp]);
export const LtEq = punct('LtEq', '<=', [CmpOp]);
export const GtEq = punct('GtEq', '>=', [CmpOp]);
export const Lt = punct('Lt', '<', [CmpOp]);
export const Gt = punct('Gt', '>', [CmpOp]);
export const Bang = punct('Bang', '!');
export const Question = punct('Question', '?');
export const Plus = punct('Plus', '+', [AddOp]);
export const Minus = punct('Minus', '-', [AddOp]);
export const Star = punct('Star', '*', [MulOp]);
export const Slash = punct('Slash', '/', [MulOp]);
export const Percent = punct('Percent', '%', [MulOp]);
export const LCurly = punct('LCurly', '{');
export const RCurly = punct('RCurly', '}');
export const LBracket = punct('LBracket', '[');
export const RBracket = punct('RBracket', ']');
export const LParen = punct('LParen', '(');
export const RParen = punct('RParen', ')');
export const Colon = punct('Colon', ':');
export const Semi = punct('Semi', ';');
export const Comma = punct('Comma', ',');
export const Eq = punct('Eq', '=');
export const Prime = punct('Prime', "'");

/** Lexing order: comments before `/`, longer operators before their prefixes, keywords before identifiers. */
export const ALL_TOKENS: TokenType[] = [
  WhiteSpace,
  LineComment,
  BlockComment,
  UnterminatedComment,
  StringLit,
  UnterminatedString,
  NumberLit,
  ...KEYWORDS,
  Identifier,
  Ellipsis,
  Arrow,
  Pipe,
  OrOr,
  Bar,
  AndAnd,
  EqEq,
  NotEq,
  LtEq,
  GtEq,
  Lt,
  Gt,
  Bang,
  Question,
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
  LCurly,
  RCurly,
  LBracket,
  RBracket,
  LParen,
  RParen,
  Colon,
  Semi,
  Comma,
  Eq,
  Prime,
  // categories (never matched themselves)
  DType,
  Keyword,
  KeywordWord,
  CmpOp,
  AddOp,
  MulOp,
];

/** Created once: chevrotain's lexer analysis is the slow part, lexing itself is fast. */
export const SeqnetLexer = new Lexer(ALL_TOKENS, {
  positionTracking: 'full',
  ensureOptimizations: true,
});
