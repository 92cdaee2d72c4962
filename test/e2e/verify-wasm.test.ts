/**
 * The examples keep R1-R4 on the WASM backend too (really WASM, no silent
 * fallback), and `seqnetc verify` answers with the exit codes of LANGUAGE.md
 * section 7: 0 when the properties hold, 3 with a readable counterexample.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { instantiate } from '../../src/emit/instantiate.js';
import { initBackend, tf } from '../../src/runtime/index.js';
import { renderReport, verifyCompiled } from '../../src/verify/verify.js';
import { compiled, example, EXAMPLES } from '../helpers/compile.js';

beforeAll(async () => {
  expect(await initBackend({ backend: 'wasm' })).toBe('wasm');
});

describe('examples keep R1-R4 on WASM', () => {
  for (const name of EXAMPLES) {
    it(name, () => {
      expect(tf.getBackend()).toBe('wasm');
      const model = compiled(example(name));
      const r = verifyCompiled(model, instantiate(model, { seed: 4 }), { runs: 2, seed: 9, maxT: 6, maxB: 3 });
      expect(r.counterexample, r.counterexample && renderReport(r, '')).toBeUndefined();
    });
  }
});

describe('seqnetc verify', () => {
  const cli = 'dist/src/cli/main.js';
  const run = (...args: string[]) => spawnSync(process.execPath, [cli, 'verify', ...args], { encoding: 'utf8', env: { ...process.env, SEQNET_BACKEND: 'cpu' } });

  it('exits 0 when R1-R4 hold', () => {
    expect(existsSync(cli), 'run `npx tsc -p tsconfig.json` (npm test does) first').toBe(true);
    const r = run('examples/classifier.seqnet', '--runs', '2');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^verify Classifier: R1-R4 hold on 2 random batches/);
  });

  it('exits 3 with a counterexample when a fill is left out', () => {
    const r = run('examples/streaming.seqnet', '--runs', '2', '--drop-fill', 'c1');
    expect(r.status, r.stderr).toBe(3);
    expect(r.stdout).toMatch(/verify Streaming: R1 \(per-sequence equivalence, inference mode\) fails/);
    expect(r.stdout).toMatch(/prob at row \d+, step \d+, feature \d+/);
    expect(r.stdout).toMatch(/expected -?[\d.e-]+, got -?[\d.e-]+/);
    expect(r.stdout).toMatch(/replay: seqnetc verify examples\/streaming.seqnet --runs 2 --seed 1 --drop-fill c1/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 1 on a compile error and 2 on a usage error', () => {
    expect(run('examples/nope.seqnet').status).toBe(1);
    expect(run('examples/classifier.seqnet', '--runs', 'many').status).toBe(2);
  });
});
