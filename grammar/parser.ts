/**
 * The seqnet concrete-syntax parser: LANGUAGE.md section 3 for models, and the
 * layer declaration grammar of docs/layer-declarations.md. It produces a CST;
 * src/syntax/to-ast.ts turns that into the AST.
 *
 * Error recovery is chevrotain's (single-token insertion/deletion, re-sync in
 * repetitions and between rules) with one change: re-sync only stops at tokens
 * that reliably begin or end a statement, so one mistake does not cascade into
 * a chain of errors (see `findReSyncTokenType`).
 */
import {
  CstParser,
  createTokenInstance,
  EOF,
  MismatchedTokenException,
  tokenMatcher,
  type CstNode,
  type IParserErrorMessageProvider,
  type IToken,
  type TokenType,
} from 'chevrotain';
import * as T from './tokens.js';

// ---------------------------------------------------------------- error messages

/** How a token is named in "found ..." (the text itself where it is short). */
export function describeFound(tok: IToken | undefined): string {
  if (!tok || tok.tokenType === EOF) return 'end of file';
  if (tok.tokenType === T.StringLit || tok.tokenType === T.UnterminatedString) return 'a string';
  const image = tok.image.length > 24 ? tok.image.slice(0, 21) + '...' : tok.image;
  if (tok.tokenType === T.Identifier) return `\`${image}\``;
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

const messages: IParserErrorMessageProvider = {
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

// ---------------------------------------------------------------- parser

/** Tokens at which re-sync after an error may stop (when a rule on the stack can continue there). */
const SYNC_TOKENS: readonly TokenType[] = [T.Semi, T.RCurly, T.RParen, T.RBracket, T.Comma];
/** These start something only when a name follows (`input input: ...` is one broken statement, not two). */
const STARTERS: readonly TokenType[] = [T.Input, T.Target, T.Output, T.Loss, T.Model, T.Layer];
/** Inserting an opening bracket is never a good guess: it lets a later closer pair with the wrong thing. */
const NEVER_INSERTED: readonly TokenType[] = [T.LParen, T.LBracket, T.LCurly];

const OPENERS: readonly TokenType[] = [T.LParen, T.LBracket, T.LCurly];
const CLOSING: readonly TokenType[] = [T.RParen, T.RBracket, T.RCurly];

/** What a repetition could have gone on with, by rule and the token expected after it. */
const REPETITION_IN_WORDS: Readonly<Record<string, string>> = {
  'model RCurly': 'a statement (`input`, `target`, `output`, `loss` or `name = ...`) or `}`',
  'layer RCurly': 'a rule (`name: value;`) or `}`',
};

const RULE_EXPR_START: readonly TokenType[] = [T.Identifier, T.NumberLit, T.StringLit, T.True, T.False, T.KeywordWord];

/**
 * Comma-separated lists, by rule and closer, with the tokens that surely start
 * an item: before one of these, a missing `,` is assumed rather than the rest
 * of the list thrown away (`f(a b)` is `f(a, b)` with an error).
 */
const LIST_ITEM_STARTS: Readonly<Record<string, readonly TokenType[]>> = {
  'call RParen': [T.Identifier],
  'layer RParen': [T.Identifier, T.Keyword],
  'rprimary RParen': RULE_EXPR_START,
  'tensorType RBracket': [T.Ellipsis, ...RULE_EXPR_START],
  'modelType RBracket': [T.Identifier, T.NumberLit],
};

/** chevrotain's recovery methods that are not in its typings. */
interface RecoveryInternals {
  flattenFollowSet(): TokenType[];
  canRecoverWithSingleTokenInsertion(expected: TokenType, follows: TokenType[]): boolean;
  SKIP_TOKEN(): IToken;
  SAVE_ERROR(e: Error): Error;
  getCurrRuleFullName(): string;
  exportLexerState(): number;
  importLexerState(state: number): void;
  shouldInRepetitionRecoveryBeTried(expected: TokenType, nextTokIdx: number, notStuck: boolean | undefined): boolean;
  isBackTracking(): boolean;
  tokVector: IToken[];
  tokVectorLength: number;
  currIdx: number;
}

const baseRecovery = CstParser.prototype as unknown as RecoveryInternals;

export class SeqnetParser extends CstParser {
  /** Which kind of declaration is being parsed: decides whether `name =` or `name :` starts a statement. */
  private inLayer = false;
  /** The token before which a missing `,` was last assumed: never twice at one place. */
  private lastCommaBefore: IToken | undefined;

  constructor() {
    super(T.ALL_TOKENS, {
      recoveryEnabled: true,
      nodeLocationTracking: 'full',
      maxLookahead: 3,
      errorMessageProvider: messages,
    });
    this.performSelfAnalysis();
  }

  /**
   * Inserting a missing `;` (or `,`, `)`) is right when what follows can start
   * the next thing, but any name can start a statement: `q = x y;` would become
   * `q = x; y;`. Before a name, insert only when it surely starts a statement.
   */
  canRecoverWithSingleTokenInsertion(expected: TokenType, follows: TokenType[]): boolean {
    if (NEVER_INSERTED.includes(expected)) return false;
    if (!baseRecovery.canRecoverWithSingleTokenInsertion.call(this, expected, follows)) return false;
    return this.LA(1).tokenType !== T.Identifier || this.startsStatementWithName(1);
  }

  /** `name =` in a model, `name :` in a layer body. */
  private startsStatementWithName(k: number): boolean {
    return this.LA(k).tokenType === T.Identifier && this.LA(k + 1).tokenType === (this.inLayer ? T.Colon : T.Eq);
  }

  private get internals(): RecoveryInternals {
    return this as unknown as RecoveryInternals;
  }

  /**
   * Where to resume after an error. chevrotain resumes at the first token
   * that any rule on the stack could continue with, which for a statement
   * includes any identifier (a binding's start), so an error mid-statement
   * would resume at the next name inside it, and a `)` inside a nested call
   * would be taken for the enclosing one's. Here only a token outside any
   * bracket opened after the error, that `startsHere`, qualifies.
   */
  private resyncTarget(): IToken {
    const follows = this.internals.flattenFollowSet();
    let depth = 0;
    for (let k = 1; ; k++) {
      const tok = this.LA(k);
      const type = tok.tokenType;
      if (type === EOF) return tok;
      if (depth === 0 && this.startsHere(k) && follows.some((f) => tokenMatcher(tok, f))) return tok;
      if (OPENERS.includes(type)) depth++;
      else if (CLOSING.includes(type) && depth > 0) depth--;
    }
  }

  /** Statement ends, closers, separators, and what surely starts a statement or declaration. */
  private startsHere(k: number): boolean {
    const type = this.LA(k).tokenType;
    if (SYNC_TOKENS.includes(type)) return true;
    if (STARTERS.includes(type)) return this.LA(k + 1).tokenType === T.Identifier;
    return this.startsStatementWithName(k);
  }

  findReSyncTokenType(): TokenType {
    return this.resyncTarget().tokenType;
  }

  reSyncTo(_type: TokenType): IToken[] {
    const target = this.resyncTarget();
    const skipped: IToken[] = [];
    while (this.LA(1) !== target && this.LA(1).tokenType !== EOF) {
      skipped.push(this.LA(1));
      this.internals.SKIP_TOKEN();
    }
    return skipped;
  }

  /** Whether the repetition of a comma-separated list stopped at an item that only lacks its `,`. */
  private missingComma(expectedAfter: TokenType): boolean {
    const starts = LIST_ITEM_STARTS[`${this.internals.getCurrRuleFullName()} ${expectedAfter.name}`];
    const tok = this.LA(1);
    return (
      starts !== undefined &&
      tok !== this.lastCommaBefore &&
      starts.some((t) => tokenMatcher(tok, t)) &&
      this.closerAhead(expectedAfter)
    );
  }

  /** Whether the list's closer comes before the statement ends, outside any bracket opened on the way. */
  private closerAhead(closer: TokenType): boolean {
    let depth = 0;
    for (let k = 1; k < 500; k++) {
      const tok = this.LA(k);
      const type = tok.tokenType;
      if (depth === 0 && tokenMatcher(tok, closer)) return true;
      if (type === EOF || type === T.Semi || type === T.LCurly || type === T.RCurly) return false;
      if (OPENERS.includes(type)) depth++;
      else if (CLOSING.includes(type) && depth-- === 0) return false;
    }
    return false;
  }

  shouldInRepetitionRecoveryBeTried(expected: TokenType, nextTokIdx: number, notStuck: boolean | undefined): boolean {
    if (notStuck !== false && !this.internals.isBackTracking() && this.missingComma(expected)) return true;
    return baseRecovery.shouldInRepetitionRecoveryBeTried.call(this, expected, nextTokIdx, notStuck);
  }

  /**
   * When a repetition meets a token it cannot go on with, chevrotain skips
   * ahead to the token expected after the repetition or to another iteration.
   * This first tries a missing `,` (`missingComma`); otherwise it skips like
   * chevrotain, but over bracketed groups whole, resuming an iteration only
   * where `startsHere`, and giving up at the re-sync target (leaving the error
   * to re-sync between rules).
   */
  tryInRepetitionRecovery(
    grammarRule: (...args: unknown[]) => unknown,
    grammarRuleArgs: unknown[],
    lookAheadFunc: () => boolean,
    expectedTokType: TokenType,
  ): void {
    const internals = this.internals;
    const found = this.LA(1);
    const previous = this.LA(0);
    const report = (): void => {
      const key = `${internals.getCurrRuleFullName()} ${expectedTokType.name}`;
      const words = REPETITION_IN_WORDS[key];
      const message = words
        ? `expected ${words}, found ${describeFound(found)}`
        : messages.buildMismatchTokenMessage({ expected: expectedTokType, actual: found, previous, ruleName: key });
      internals.SAVE_ERROR(new MismatchedTokenException(message, found, previous));
    };

    if (this.missingComma(expectedTokType)) {
      this.lastCommaBefore = found;
      const comma = createTokenInstance(T.Comma, '', NaN, NaN, NaN, NaN, NaN, NaN);
      comma.isInsertedInRecovery = true;
      internals.tokVector.splice(internals.currIdx + 1, 0, comma);
      internals.tokVectorLength++;
      if (lookAheadFunc.call(this)) {
        report();
        grammarRule.apply(this, grammarRuleArgs);
        return;
      }
      internals.tokVector.splice(internals.currIdx + 1, 1);
      internals.tokVectorLength--;
    }

    const stop = this.resyncTarget();
    const saved = internals.exportLexerState();
    let depth = 0;
    for (;;) {
      const tok = this.LA(1);
      if (tok.tokenType === EOF) break;
      if (depth === 0) {
        if (tokenMatcher(tok, expectedTokType)) {
          report();
          return;
        }
        if (this.startsHere(1) && lookAheadFunc.call(this)) {
          report();
          grammarRule.apply(this, grammarRuleArgs);
          return;
        }
        if (tok === stop) break;
      }
      if (OPENERS.includes(tok.tokenType)) depth++;
      else if (CLOSING.includes(tok.tokenType)) {
        if (depth === 0) break;
        depth--;
      }
      internals.SKIP_TOKEN();
    }
    internals.importLexerState(saved);
  }

  /** Parses a whole file; `errors` then holds what recovery got past. */
  parseFile(tokens: IToken[]): CstNode {
    this.inLayer = false;
    this.lastCommaBefore = undefined;
    // A copy: recovery may insert a virtual `,` into the vector it parses.
    this.input = tokens.slice();
    return this.file();
  }

  // ------------------------------------------------------------ file

  public file = this.RULE('file', () => {
    this.MANY(() => {
      this.OR([{ ALT: () => this.SUBRULE(this.model) }, { ALT: () => this.SUBRULE(this.layer) }]);
    });
  });

  // ------------------------------------------------------------ models

  public model = this.RULE('model', () => {
    this.CONSUME(T.Model);
    this.ACTION(() => {
      this.inLayer = false;
    });
    this.CONSUME(T.Identifier);
    this.CONSUME(T.LCurly);
    this.MANY(() => this.SUBRULE(this.statement));
    this.CONSUME(T.RCurly);
  });

  /** `;` is consumed here, outside the statement kinds, so that an error inside one re-syncs to its `;`. */
  public statement = this.RULE('statement', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.inputStmt) },
      { ALT: () => this.SUBRULE(this.targetStmt) },
      { ALT: () => this.SUBRULE(this.outputStmt) },
      { ALT: () => this.SUBRULE(this.lossStmt) },
      { ALT: () => this.SUBRULE(this.binding) },
    ]);
    this.CONSUME(T.Semi);
  });

  public inputStmt = this.RULE('inputStmt', () => {
    this.CONSUME(T.Input);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.modelType);
    this.OPTION(() => this.SUBRULE(this.maskClause));
  });

  public maskClause = this.RULE('maskClause', () => {
    this.CONSUME(T.Masked);
    this.CONSUME(T.By);
    this.SUBRULE(this.maskSource);
    // The `,` is required; it is optional here so that its absence gets a precise message (to-ast.ts).
    this.OPTION(() => {
      this.OPTION1(() => this.CONSUME(T.Comma));
      this.CONSUME(T.Padded);
      this.OR([{ ALT: () => this.CONSUME(T.Post) }, { ALT: () => this.CONSUME(T.Pre) }]);
    });
  });

  public maskSource = this.RULE('maskSource', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Zeros) },
      {
        ALT: () => {
          this.CONSUME(T.Value);
          this.CONSUME(T.LParen);
          this.OPTION(() => this.CONSUME(T.Minus));
          this.CONSUME(T.NumberLit);
          this.CONSUME(T.RParen);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Lengths);
          this.CONSUME1(T.LParen);
          this.CONSUME(T.Identifier);
          this.CONSUME1(T.RParen);
        },
      },
      { ALT: () => this.CONSUME1(T.Identifier) },
    ]);
  });

  public targetStmt = this.RULE('targetStmt', () => {
    this.CONSUME(T.Target);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.modelType);
  });

  public modelType = this.RULE('modelType', () => {
    this.CONSUME(T.DType);
    this.CONSUME(T.LBracket);
    this.SUBRULE(this.modelDim);
    this.MANY(() => {
      this.CONSUME(T.Comma);
      this.SUBRULE1(this.modelDim);
    });
    this.CONSUME(T.RBracket);
  });

  public modelDim = this.RULE('modelDim', () => {
    this.OR([{ ALT: () => this.CONSUME(T.Identifier) }, { ALT: () => this.CONSUME(T.NumberLit) }]);
  });

  public binding = this.RULE('binding', () => {
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Eq);
    this.SUBRULE(this.expr);
  });

  public outputStmt = this.RULE('outputStmt', () => {
    this.CONSUME(T.Output);
    this.CONSUME(T.Identifier);
    this.MANY(() => {
      this.CONSUME(T.Comma);
      this.CONSUME1(T.Identifier);
    });
  });

  public lossStmt = this.RULE('lossStmt', () => {
    this.CONSUME(T.Loss);
    this.SUBRULE(this.call);
  });

  public expr = this.RULE('expr', () => {
    this.SUBRULE(this.sum);
    this.MANY(() => {
      this.CONSUME(T.Pipe);
      this.SUBRULE(this.call);
    });
  });

  public sum = this.RULE('sum', () => {
    this.SUBRULE(this.primary);
    this.MANY(() => {
      this.CONSUME(T.Plus);
      this.SUBRULE1(this.primary);
    });
  });

  public primary = this.RULE('primary', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.call) },
      { ALT: () => this.CONSUME(T.Identifier) },
      {
        ALT: () => {
          this.CONSUME(T.LParen);
          this.SUBRULE(this.expr);
          this.CONSUME(T.RParen);
        },
      },
    ]);
  });

  public call = this.RULE('call', () => {
    this.CONSUME(T.Identifier);
    this.CONSUME(T.LParen);
    this.OPTION(() => {
      this.SUBRULE(this.arg);
      this.MANY(() => {
        this.CONSUME(T.Comma);
        this.SUBRULE1(this.arg);
      });
    });
    this.CONSUME(T.RParen);
  });

  public arg = this.RULE('arg', () => {
    this.OR([{ ALT: () => this.SUBRULE(this.namedArg) }, { ALT: () => this.SUBRULE(this.expr) }]);
  });

  public namedArg = this.RULE('namedArg', () => {
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.literal);
  });

  public literal = this.RULE('literal', () => {
    this.OR([
      {
        ALT: () => {
          this.OPTION(() => this.CONSUME(T.Minus));
          this.CONSUME(T.NumberLit);
        },
      },
      { ALT: () => this.CONSUME(T.StringLit) },
      { ALT: () => this.CONSUME(T.True) },
      { ALT: () => this.CONSUME(T.False) },
      { ALT: () => this.CONSUME(T.Identifier) },
      { ALT: () => this.CONSUME(T.DType) },
    ]);
  });

  // ------------------------------------------------------------ layer declarations

  public layer = this.RULE('layer', () => {
    this.CONSUME(T.Layer);
    this.ACTION(() => {
      this.inLayer = true;
    });
    this.CONSUME(T.Identifier);
    this.CONSUME(T.LParen);
    this.OPTION(() => {
      this.SUBRULE(this.param);
      this.MANY(() => {
        this.CONSUME(T.Comma);
        this.SUBRULE1(this.param);
      });
    });
    this.CONSUME(T.RParen);
    this.CONSUME(T.Arrow);
    this.SUBRULE(this.rexpr);
    this.CONSUME(T.LCurly);
    this.MANY2(() => this.SUBRULE(this.layerRule));
    this.CONSUME(T.RCurly);
  });

  /** A parameter may be named by a keyword (`target`); it is referred to as a word in rule expressions. */
  public param = this.RULE('param', () => {
    this.OR([{ ALT: () => this.CONSUME(T.Identifier) }, { ALT: () => this.CONSUME(T.Keyword) }]);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.paramType);
    this.OPTION(() => {
      this.CONSUME(T.Eq);
      this.SUBRULE(this.rexpr);
    });
  });

  /** Alternatives of tensor types, a scalar type name, or enum members; to-ast.ts tells which. */
  public paramType = this.RULE('paramType', () => {
    this.SUBRULE(this.paramAlt);
    this.MANY(() => {
      this.CONSUME(T.Bar);
      this.SUBRULE1(this.paramAlt);
    });
  });

  public paramAlt = this.RULE('paramAlt', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.tensorType) },
      { ALT: () => this.CONSUME(T.DType) },
      { ALT: () => this.CONSUME(T.Identifier) },
    ]);
  });

  public tensorType = this.RULE('tensorType', () => {
    this.OR([{ ALT: () => this.CONSUME(T.DType) }, { ALT: () => this.CONSUME(T.Identifier) }]);
    this.CONSUME(T.LBracket);
    this.OPTION(() => {
      this.SUBRULE(this.tensorDim);
      this.MANY(() => {
        this.CONSUME(T.Comma);
        this.SUBRULE1(this.tensorDim);
      });
    });
    this.CONSUME(T.RBracket);
  });

  public tensorDim = this.RULE('tensorDim', () => {
    this.OR([{ ALT: () => this.CONSUME(T.Ellipsis) }, { ALT: () => this.SUBRULE(this.rexpr) }]);
  });

  public layerRule = this.RULE('layerRule', () => {
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.rexpr);
    this.CONSUME(T.Semi);
  });

  public rexpr = this.RULE('rexpr', () => {
    this.SUBRULE(this.orExpr);
    this.OPTION(() => {
      this.CONSUME(T.Question);
      this.SUBRULE1(this.rexpr);
      this.CONSUME(T.Colon);
      this.SUBRULE2(this.rexpr);
    });
  });

  public orExpr = this.RULE('orExpr', () => {
    this.SUBRULE(this.andExpr);
    this.MANY(() => {
      this.CONSUME(T.OrOr);
      this.SUBRULE1(this.andExpr);
    });
  });

  public andExpr = this.RULE('andExpr', () => {
    this.SUBRULE(this.notExpr);
    this.MANY(() => {
      this.CONSUME(T.AndAnd);
      this.SUBRULE1(this.notExpr);
    });
  });

  public notExpr = this.RULE('notExpr', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Bang);
          this.SUBRULE(this.notExpr);
        },
      },
      { ALT: () => this.SUBRULE(this.cmpExpr) },
    ]);
  });

  public cmpExpr = this.RULE('cmpExpr', () => {
    this.SUBRULE(this.arith);
    this.OPTION(() => {
      this.CONSUME(T.CmpOp);
      this.SUBRULE1(this.arith);
    });
  });

  public arith = this.RULE('arith', () => {
    this.SUBRULE(this.term);
    this.MANY(() => {
      this.CONSUME(T.AddOp);
      this.SUBRULE1(this.term);
    });
  });

  public term = this.RULE('term', () => {
    this.SUBRULE(this.unary);
    this.MANY(() => {
      this.CONSUME(T.MulOp);
      this.SUBRULE1(this.unary);
    });
  });

  public unary = this.RULE('unary', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Minus);
          this.SUBRULE(this.unary);
        },
      },
      { ALT: () => this.SUBRULE(this.rprimary) },
    ]);
  });

  public rprimary = this.RULE('rprimary', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.NumberLit) },
      { ALT: () => this.CONSUME(T.StringLit) },
      { ALT: () => this.CONSUME(T.True) },
      { ALT: () => this.CONSUME(T.False) },
      { ALT: () => this.SUBRULE(this.tensorType) },
      {
        ALT: () => {
          this.CONSUME(T.Identifier);
          this.OPTION(() => this.CONSUME(T.Prime));
          this.OPTION1(() => {
            this.CONSUME(T.LParen);
            this.OPTION2(() => {
              this.SUBRULE(this.rarg);
              this.MANY(() => {
                this.CONSUME(T.Comma);
                this.SUBRULE1(this.rarg);
              });
            });
            this.CONSUME(T.RParen);
          });
        },
      },
      { ALT: () => this.CONSUME(T.KeywordWord) },
      {
        ALT: () => {
          this.CONSUME1(T.LParen);
          this.SUBRULE(this.rexpr);
          this.CONSUME1(T.RParen);
        },
      },
    ]);
  });

  public rarg = this.RULE('rarg', () => {
    this.OPTION(() => {
      this.CONSUME(T.Identifier);
      this.CONSUME(T.Colon);
    });
    this.SUBRULE(this.rexpr);
  });
}

/** The one parser instance (building one analyses the grammar, which takes a while). */
let instance: SeqnetParser | undefined;
export function seqnetParser(): SeqnetParser {
  instance ??= new SeqnetParser();
  return instance;
}

export type { CstNode, IToken };
export { tokenMatcher };
