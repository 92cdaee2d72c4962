/**
 * Syntax error messages in words: "expected `;` or `,`, found `}`", with
 * phrases instead of token lists where a list would be long.
 */
import { EOF, type IParserErrorMessageProvider, type IToken, type TokenType } from 'chevrotain';
import * as T from './tokens.js';

/** How a token is named in "found ..." (the text itself where it is short). */
export function describeFound(tok: IToken | undefined): string {
  if (!tok || tok.tokenType === EOF) return 'end of file';
  if (tok.tokenType === T.StringLit || tok.tokenType === T.UnterminatedString) return 'a string';
  const image = tok.image.length > 24 ? tok.image.slice(0, 21) + '...' : tok.image;
  return `\`${image}\``;
}

function label(t: TokenType): string {
  if (t === EOF) return 'end of file';
  return t.LABEL ?? t.name;
}

/** "a", "a or b", "a, b or c", without repeats, in first-seen order. */
export function expectedList(types: readonly TokenType[]): string {
  const words: string[] = [];
  for (const t of types) {
    const w = label(t);
    if (!words.includes(w)) words.push(w);
  }
  if (words.length <= 1) return words[0] ?? 'nothing';
  return `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`;
}

/** Rules whose failure means "an expression was expected here": naming every token that may start one helps nobody. */
const EXPRESSION_RULES = new Set(['notExpr', 'unary', 'rprimary', 'rexpr', 'tensorDim']);
/** Rules whose alternatives read better as one phrase than as a list of tokens. */
const ALTERNATIVES_IN_WORDS: Readonly<Record<string, string>> = {
  literal: 'a value (a number, string, `true`, `false`, name or dtype)',
  modelDim: 'a dimension (a name or a whole number)',
  maskSource: '`zeros`, `value(...)`, `lengths(...)` or the name of a mask input',
  paramAlt: 'a parameter type (a tensor type, `int`, `float`, `string`, `bool` or enum members)',
  statement: 'a statement (`input`, `target`, `output`, `loss` or `name = ...`)',
};
const CLOSERS: ReadonlyMap<TokenType, TokenType> = new Map([
  [T.RParen, T.LParen],
  [T.RBracket, T.LBracket],
]);

/** What the parser tells the messages about where it is. */
export interface MessageContext {
  /** The kind of statement being parsed, if it matters to a message (`output`: its `;` could also be a `,`). */
  openStatement(): string | undefined;
}

export function createMessages(context: MessageContext): IParserErrorMessageProvider {
  return {
    ...messages,
    buildMismatchTokenMessage: (options) => {
      const { expected, actual, previous } = options;
      if (expected === T.Semi && context.openStatement() === 'output' && previous?.tokenType === T.Identifier) {
        return `expected \`;\` or \`,\`, found ${describeFound(actual)}`;
      }
      return messages.buildMismatchTokenMessage(options);
    },
  };
}

export const messages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: ({ expected, actual, previous }) => {
    const found = describeFound(actual);
    // EOF is only ever expected after the last declaration.
    if (expected === EOF) return `expected \`model\` or \`layer\`, found ${found}`;
    // A closer that did not come right after its opener ends a list, which could also have gone on.
    const opener = CLOSERS.get(expected);
    if (opener && previous && previous.tokenType !== opener && previous.tokenType !== EOF) {
      return `expected \`,\` or ${expectedList([expected])}, found ${found}`;
    }
    return `expected ${expectedList([expected])}, found ${found}`;
  },
  buildNotAllInputParsedMessage: ({ firstRedundant }) =>
    `expected \`model\` or \`layer\`, found ${describeFound(firstRedundant)}`,
  buildNoViableAltMessage: ({ expectedPathsPerAlt, actual, ruleName }) => {
    const found = describeFound(actual[0]);
    if (EXPRESSION_RULES.has(ruleName)) return `expected an expression, found ${found}`;
    const what = ALTERNATIVES_IN_WORDS[ruleName];
    if (what) return `expected ${what}, found ${found}`;
    const firsts = expectedPathsPerAlt.flatMap((alt) => alt.map((path) => path[0]!)).filter(Boolean);
    return `expected ${expectedList(firsts)}, found ${found}`;
  },
  buildEarlyExitMessage: ({ expectedIterationPaths, actual }) =>
    `expected ${expectedList(expectedIterationPaths.map((p) => p[0]!).filter(Boolean))}, found ${describeFound(actual[0])}`,
};

/** What a repetition could have gone on with, by rule and the token expected after it. */
export const REPETITION_IN_WORDS: Readonly<Record<string, string>> = {
  'model RCurly': 'a statement (`input`, `target`, `output`, `loss` or `name = ...`) or `}`',
  'layer RCurly': 'a rule (`name: value;`) or `}`',
};
