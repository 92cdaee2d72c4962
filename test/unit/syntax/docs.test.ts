import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { KEYWORDS, KeywordWord } from '../../../grammar/tokens.js';
import { tokenMatcher, createTokenInstance } from 'chevrotain';
import { parse } from '../../../src/syntax/parse.js';
import { SourceFile } from '../../../src/diagnostics/span.js';

const page = readFileSync(fileURLToPath(new URL('../../../docs/layer-declarations.md', import.meta.url)), 'utf8');

describe('docs/layer-declarations.md', () => {
  const blocks = [...page.matchAll(/```seqnet\n([\s\S]*?)```/g)].map((m) => m[1]!);

  test('its examples parse without a diagnostic', () => {
    expect(blocks.length).toBeGreaterThan(0);
    for (const text of blocks) {
      const r = parse(new SourceFile('doc.seqnet', text));
      expect(r.diagnostics).toEqual([]);
      expect(r.ast.layers.length).toBeGreaterThan(0);
    }
  });

  test('the EBNF lists exactly the keywords that may stand as words', () => {
    const line = /^word\s+=(.*);$/m.exec(page)![1]!;
    const documented = [...line.matchAll(/"([a-z0-9_]+)"/g)].map((m) => m[1]!).sort();
    const actual = KEYWORDS.filter((k) => tokenMatcher(createTokenInstance(k, '', 0, 0, 0, 0, 0, 0), KeywordWord))
      .map((k) => String(k.LABEL).replace(/`/g, ''))
      .sort();
    expect(documented).toEqual(actual);
  });
});
