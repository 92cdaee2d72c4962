/**
 * Golden generated modules: what `seqnetc build` writes for two examples,
 * compared whole (update with `vitest -u` after a deliberate change, and
 * read the diff). Streaming: a mask input, `padded pre`, causal convolutions
 * and two losses; residual: strided window masks, fills read by two
 * consumers, outputs with and without a time axis.
 *
 * The compiler version is fixed here so that a version bump does not touch
 * the golden files; the CLI writes its own (the e2e tests check that).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildFiles } from '../../../src/emit/build.js';
import { compileOk, EXAMPLES } from '../../unit/emit/support.js';

const GOLDEN_VERSION = '0.0.0-golden';

describe('generated modules (golden)', () => {
  it.each(['streaming', 'residual'])('examples/%s.seqnet', async (name) => {
    const model = compileOk(readFileSync(join(EXAMPLES, `${name}.seqnet`), 'utf8'), `examples/${name}.seqnet`);
    const out = buildFiles(model, GOLDEN_VERSION);
    await expect(out.files.get(`${out.base}.ts`)).toMatchFileSnapshot(`./${name}.ts.golden`);
    await expect(out.files.get(`${out.base}.manifest.json`)).toMatchFileSnapshot(`./${name}.manifest.json.golden`);
  });
});
