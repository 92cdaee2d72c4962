/**
 * Golden `seqnetc explain` output (table text and JSON) for every model of
 * every example in examples/*.seqnet, picked up automatically. Update with
 * `vitest run --config test/vitest.config.ts test/golden/explain -u` and
 * review the diff: a changed fill list is a change of semantics.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { checkSource, loadBuiltins } from '../../../src/check/program.js';
import { packageRoot, readSpecs } from '../../../src/cli/files.js';
import { SourceFile } from '../../../src/diagnostics/span.js';
import { renderText } from '../../../src/diagnostics/render.js';
import { explain, renderExplainText } from '../../../src/emit/explain.js';
import { insertFills } from '../../../src/rewrite/fills.js';

const root = packageRoot();
const examples = readdirSync(join(root, 'examples'))
  .filter((f) => f.endsWith('.seqnet'))
  .sort();
const builtins = loadBuiltins(readSpecs(root));

test('there is at least one example', () => {
  expect(examples.length).toBeGreaterThan(0);
});

for (const name of examples) {
  describe(`examples/${name}`, () => {
    const file = new SourceFile(`examples/${name}`, readFileSync(join(root, 'examples', name), 'utf8'));
    const checked = checkSource(file, builtins);

    test('checks without errors', () => {
      expect(checked.diagnostics.filter((d) => d.severity === 'error').map(renderText)).toEqual([]);
      expect(checked.models.length).toBeGreaterThan(0);
    });

    for (const model of checked.models) {
      const base = `${name.replace(/\.seqnet$/, '')}.${model.name}`;
      const e = explain(insertFills(model));

      test(`${model.name}: table`, async () => {
        await expect(renderExplainText(e)).toMatchFileSnapshot(`./${base}.txt`);
      });

      test(`${model.name}: json`, async () => {
        await expect(JSON.stringify(e, null, 2) + '\n').toMatchFileSnapshot(`./${base}.json`);
      });
    }
  });
}
