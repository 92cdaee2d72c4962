/**
 * Reading chevrotain CSTs that error recovery may have left partial: children
 * can be missing, and tokens inserted by recovery have no position (NaN
 * offsets). Every accessor here answers "absent" for those.
 */
import type { CstElement, CstNode, IToken } from 'chevrotain';
import type { Ident } from './ast.js';
import type { Span } from '../diagnostics/span.js';

function isToken(e: CstElement): e is IToken {
  return (e as IToken).image !== undefined;
}

/** A token that exists in the source (not inserted by recovery). */
export function isReal(t: IToken): boolean {
  return Number.isFinite(t.startOffset) && Number.isFinite(t.endOffset) && t.isInsertedInRecovery !== true;
}

/** The real tokens under `name` (a token type or category name), in source order. */
export function tokens(node: CstNode, name: string): IToken[] {
  const list = node.children[name];
  if (!list) return [];
  const out: IToken[] = [];
  for (const e of list) if (isToken(e) && isReal(e)) out.push(e);
  return out;
}

export function token(node: CstNode, name: string, index = 0): IToken | undefined {
  const list = node.children[name];
  if (!list) return undefined;
  let i = 0;
  for (const e of list) {
    if (isToken(e) && isReal(e) && i++ === index) return e;
  }
  return undefined;
}

/** Whether the child is there at all; a token inserted by recovery counts (the parser judged it missing, not the text around it wrong). */
export function has(node: CstNode, name: string): boolean {
  return (node.children[name]?.length ?? 0) > 0;
}

export function nodes(node: CstNode, name: string): CstNode[] {
  const list = node.children[name];
  if (!list) return [];
  const out: CstNode[] = [];
  for (const e of list) if (!isToken(e)) out.push(e);
  return out;
}

export function child(node: CstNode, name: string, index = 0): CstNode | undefined {
  const list = node.children[name];
  if (!list) return undefined;
  let i = 0;
  for (const e of list) {
    if (!isToken(e) && i++ === index) return e;
  }
  return undefined;
}

export function tokenSpan(t: IToken): Span {
  return { start: t.startOffset, end: t.endOffset! + 1 };
}

/** The source covered by a CST node's real tokens, or undefined when it has none. */
export function nodeSpan(node: CstNode | undefined): Span | undefined {
  const loc = node?.location;
  if (!loc || !Number.isFinite(loc.startOffset) || !Number.isFinite(loc.endOffset)) return undefined;
  return { start: loc.startOffset, end: loc.endOffset! + 1 };
}

export function ident(t: IToken | undefined): Ident | undefined {
  return t ? { name: t.image, span: tokenSpan(t) } : undefined;
}

export function between(a: Span, b: Span): Span {
  return { start: a.start, end: b.end };
}
