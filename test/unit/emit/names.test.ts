/**
 * The pieces the generated code is printed from: locals that cannot clash
 * or be reserved words, string literals and comments that cannot break out,
 * object literals whose keys stay own properties.
 */
import { runInNewContext } from 'node:vm';
import { ts } from 'ts-morph';
import { describe, expect, it } from 'vitest';
import { MODULE_LOCALS } from '../../../src/emit/plan.js';
import { commentText, literal, LocalNames, objectLiteral, str } from '../../../src/emit/names.js';
import { identifiers, parseTs, syntaxErrors } from './support.js';

const DANGEROUS = [
  '__proto__', 'constructor', 'then', 'prototype', 'toString', 'valueOf', 'hasOwnProperty',
  'class', 'default', 'new', 'function', 'await', 'yield', 'let', 'static', 'enum', 'arguments', 'eval',
  'undefined', 'NaN', 'Infinity', 'import', 'export', 'return', 'this', 'super', 'null', 'true', 'false', 'async', 'of',
  ...MODULE_LOCALS,
];

/** Strings that break out of a literal or a comment if escaped wrongly. */
const NASTY = [
  '',
  `a"b`,
  `a'b`,
  'a`b',
  'a${b}c',
  'a*/b/*c',
  'a\\b',
  'a\\',
  'a\nb',
  'a\r\nb',
  'a\u2028b\u2029c',
  '"); evil(); ("',
  `'; evil(); '`,
  '`; evil(); `',
  '*/ evil(); /*',
  '\n evil(); //',
  'a\u0000b',
  '\ud800',
  'é😀',
];

describe('LocalNames', () => {
  it('gives every dangerous name a local that is a plain, unreserved identifier, distinct from the module locals', () => {
    const names = new LocalNames(MODULE_LOCALS);
    const locals = DANGEROUS.map((n) => names.local(n));
    expect(new Set(locals).size).toBe(locals.length);
    for (const [i, local] of locals.entries()) {
      expect(local).toMatch(/^[A-Za-z_$][A-Za-z0-9_$]*$/);
      expect(MODULE_LOCALS).not.toContain(local);
      // A declaration with that name parses, in a module (strict mode) and in an async function.
      const sf = parseTs(`export async function* f() { const ${local} = 1; return ${local}; }`);
      expect(syntaxErrors(sf), `${DANGEROUS[i]} -> ${local}`).toEqual([]);
      expect(identifiers(sf)).toContain(local);
    }
  });

  it('keeps a plain name as it is and is stable per name', () => {
    const names = new LocalNames(MODULE_LOCALS);
    expect(names.local('h')).toBe('h');
    expect(names.local('h_1')).toBe('h_1');
    expect(names.local('class')).toBe('class_');
    expect(names.local('class')).toBe('class_');
    expect(names.local('builder')).toBe('builder_2');
    // A later name that is the earlier one's local gets another.
    expect(names.local('class_')).toBe('class__2');
  });

  it('never hands out a taken local from fresh(), and makes reserved bases safe (a layer exported as `class`)', () => {
    const names = new LocalNames(MODULE_LOCALS);
    expect(names.local('x_raw')).toBe('x_raw');
    expect(names.fresh('x_raw')).toBe('x_raw_2');
    expect(names.fresh('class')).toBe('class_');
    expect(names.fresh('default')).toBe('default_');
    expect(names.fresh('default')).toBe('default__2');
    expect(names.fresh('ModelBuilder')).toBe('ModelBuilder_2');
    expect(names.local('default_')).toBe('default__3');
  });
});

describe('str', () => {
  it.each(NASTY.map((s) => [JSON.stringify(s), s]))('%s round-trips as a string literal, alone in its statement', (_, s) => {
    const text = `const s = ${str(s)};\n`;
    expect(runInNewContext(`${text} s`)).toBe(s);
    const sf = parseTs(text);
    expect(syntaxErrors(sf)).toEqual([]);
    expect(sf.statements).toHaveLength(1);
    const init = (sf.statements[0] as ts.VariableStatement).declarationList.declarations[0]!.initializer!;
    expect(ts.isStringLiteral(init) && init.text).toBe(s);
    expect(identifiers(sf)).toEqual(new Set(['s']));
  });
});

describe('commentText', () => {
  it.each(NASTY.map((s) => [JSON.stringify(s), s]))('%s stays inside a // comment and a /* */ comment', (_, s) => {
    const c = commentText(s);
    expect(c).not.toMatch(/[\r\n\u2028\u2029]/);
    expect(c).not.toContain('*/');
    for (const text of [`// ${c}\nconst a = 1;\n`, `/* ${c} */\nconst a = 1;\n`]) {
      const sf = parseTs(text);
      expect(syntaxErrors(sf)).toEqual([]);
      expect(sf.statements).toHaveLength(1);
      expect(identifiers(sf)).toEqual(new Set(['a']));
    }
  });

  it('keeps ordinary text as it is', () => {
    expect(commentText('dense `logits` (10:12) adds a bias at padded steps')).toBe('dense `logits` (10:12) adds a bias at padded steps');
  });
});

describe('objectLiteral and literal', () => {
  it('keeps a `__proto__` key an own property (not the prototype)', () => {
    const text = objectLiteral([
      ['__proto__', literal({ polluted: true })],
      ['constructor', literal('c')],
      ['toString', literal(1)],
    ]);
    const o = runInNewContext(`(${text})`) as Record<string, unknown>;
    expect(Object.getPrototypeOf(o)).not.toBeNull();
    expect(Object.keys(o)).toEqual(['__proto__', 'constructor', 'toString']);
    expect(Object.getOwnPropertyDescriptor(o, '__proto__')?.value).toEqual({ polluted: true });
    expect((o as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('prints every parameter value so that it evaluates back to itself', () => {
    const values: unknown[] = [0, -0, 1, -1, 0.1, 1e-7, 1e21, -1e-3, 2 ** 53, Infinity, -Infinity, NaN, true, false, null, 'same', ...NASTY, [null, null, 40], { a: 1, 'b c': 'd', '': [] }];
    for (const v of values) {
      const back = runInNewContext(`(${literal(v)})`) as unknown;
      expect(Object.is(back, v) || JSON.stringify(back) === JSON.stringify(v), `${String(v)} -> ${literal(v)}`).toBe(true);
      if (typeof v === 'number') expect(Object.is(back, v), `${v} -> ${literal(v)}`).toBe(true);
    }
    expect(literal({})).toBe('{}');
  });
});
