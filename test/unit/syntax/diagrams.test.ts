import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { DIAGRAM_ASSETS, syntaxDiagramsHtml } from '../../../grammar/diagrams.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const page = join(root, 'docs/syntax-diagrams.html');
const shippedDir = join(root, 'node_modules/chevrotain/diagrams');
const vendored = ['vendor/railroad-diagrams.js', 'src/diagrams_builder.js', 'src/diagrams_behavior.js', 'src/main.js', 'diagrams.css'];

describe('docs/syntax-diagrams.html', () => {
  const html = syntaxDiagramsHtml();
  // Regenerate with: SEQNET_UPDATE=1 npx vitest run --config test/vitest.config.ts test/unit/syntax/diagrams.test.ts
  if (process.env['SEQNET_UPDATE'] === '1') writeFileSync(page, html);

  test('is current with the grammar', () => {
    expect(readFileSync(page, 'utf8')).toBe(html);
  });

  test('works offline: no http(s) URL, only the vendored scripts', () => {
    expect(html).not.toMatch(/https?:/);
    const refs = [...html.matchAll(/(?:src|href)='([^']+)'/g)].map((m) => m[1]!);
    expect(refs.sort()).toEqual(vendored.map((f) => DIAGRAM_ASSETS + f).sort());
    for (const ref of refs) expect(existsSync(join(root, 'docs', ref)), ref).toBe(true);
  });

  test('the vendored scripts are those of the installed chevrotain', () => {
    for (const f of vendored) {
      const shipped = readFileSync(join(shippedDir, f), 'utf8');
      expect(readFileSync(join(root, 'docs', DIAGRAM_ASSETS, f), 'utf8'), f).toBe(shipped);
    }
  });

  test('draws every rule of the grammar', () => {
    for (const rule of ['file', 'model', 'statement', 'inputStmt', 'expr', 'call', 'layer', 'param', 'paramType', 'rexpr', 'rprimary']) {
      expect(html).toContain(`"name": "${rule}"`);
    }
  });
});
