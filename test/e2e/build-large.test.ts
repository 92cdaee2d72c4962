/**
 * A generated 500-layer model (bench/gen-large.ts) builds through
 * `buildFiles`, and its module type-checks under `strict`. Timings belong in
 * bench/, not here.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { largeModel } from '../../bench/gen-large.js';
import { buildFiles } from '../../src/emit/build.js';
import { builderCalls, compileOk, outDir, parseTs, removeOut, requireDist, syntaxErrors, typecheck, VERSION } from '../unit/emit/support.js';

let dir: string;

beforeAll(() => {
  requireDist();
  dir = outDir('build-large');
});

afterAll(() => removeOut(dir));

describe('a 500-layer model', () => {
  it('builds with buildFiles, one builder call per layer, and type-checks under strict', () => {
    const text = largeModel(500);
    const model = compileOk(text, 'large.seqnet');
    const out = buildFiles(model, VERSION);
    expect([...out.files.keys()]).toEqual(['large.ts', 'large.js', 'large.d.ts', 'large.manifest.json']);
    for (const [name, content] of out.files) writeFileSync(join(dir, name), content);
    const sf = parseTs(out.files.get('large.ts')!);
    expect(syntaxErrors(sf)).toEqual([]);
    const layers = builderCalls(sf).filter((c) => c.method === 'layer');
    // 499 layer calls from the generator plus the final dense.
    expect(layers).toHaveLength(500);
    const tc = typecheck([join(dir, 'large.ts')], dir);
    expect(tc.diagnostics, tc.diagnostics.join('\n')).toEqual([]);
  });
});
