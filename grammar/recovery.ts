/**
 * chevrotain's error recovery, tuned for seqnet: single-token insertion and
 * deletion, re-sync in repetitions and between rules, as chevrotain does it,
 * except that
 * - re-sync stops only where a statement surely ends or starts, and skips
 *   bracketed groups whole, so one mistake is reported once, not as a chain;
 * - a missing `,` in a list is assumed when the list visibly goes on;
 * - opening brackets are never inserted, and a `;` is inserted before a name
 *   only when the name starts a statement.
 * These override undocumented methods of chevrotain 11's Recoverable trait
 * (same names and signatures); the unit and property tests of the parser pin
 * the behaviour.
 */
import {
  CstParser,
  createTokenInstance,
  EOF,
  MismatchedTokenException,
  tokenMatcher,
  type IParserConfig,
  type IToken,
  type TokenType,
} from 'chevrotain';
import { createMessages, describeFound, messages, REPETITION_IN_WORDS, type MessageContext } from './messages.js';
import * as T from './tokens.js';

/** Tokens at which re-sync after an error may stop (when a rule on the stack can continue there). */
const SYNC_TOKENS: readonly TokenType[] = [T.Semi, T.RCurly, T.RParen, T.RBracket, T.Comma];
/** These start something only when a name follows (`input input: ...` is one broken statement, not two). */
const STARTERS: readonly TokenType[] = [T.Input, T.Target, T.Output, T.Loss, T.Model, T.Layer];
/** Inserting an opening bracket is never a good guess: it lets a later closer pair with the wrong thing. */
const NEVER_INSERTED: readonly TokenType[] = [T.LParen, T.LBracket, T.LCurly];

const OPENERS: readonly TokenType[] = [T.LParen, T.LBracket, T.LCurly];
const CLOSING: readonly TokenType[] = [T.RParen, T.RBracket, T.RCurly];

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

export abstract class RecoveringParser extends CstParser {
  /** Which kind of declaration is being parsed: decides whether `name =` or `name :` starts a statement. */
  protected inLayer = false;
  /** The token before which a missing `,` was last assumed: never twice at one place. */
  protected lastCommaBefore: IToken | undefined;

  /** The statement being parsed, where a message depends on it (set by the grammar's actions). */
  protected openStatement: string | undefined;

  constructor(config: IParserConfig) {
    const context: MessageContext = { openStatement: () => undefined };
    super(T.ALL_TOKENS, { ...config, recoveryEnabled: true, errorMessageProvider: createMessages(context) });
    context.openStatement = () => this.openStatement;
  }

  /** Forget the previous file's state. */
  protected resetRecovery(): void {
    this.inLayer = false;
    this.lastCommaBefore = undefined;
    this.openStatement = undefined;
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
    // The common case first: the repetition ended where it should.
    if (tokenMatcher(this.LA(1), expected)) return false;
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
}
