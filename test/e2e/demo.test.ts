/**
 * `npm run demo` in its quick mode, as a child process of the compiled demo
 * (dist/examples/demo.js; `npm test` compiles first): it exits 0, prints the
 * results table, verify passes, and the table says what the demo is for:
 * tfjs-layers' real-step results move when padding is added, seqnet's do not.
 */
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const root = process.cwd();
const entry = join(root, 'dist', 'examples', 'demo.js');
const MODULES = ['demo', 'demo-baseline', 'demo-compile', 'demo-cpu-conv', 'demo-data', 'demo-measure'];

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runDemo(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry, ...args], { cwd: root, env: { ...process.env, SEQNET_BACKEND: '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 170_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The two numbers (seqnet, tfjs-layers) of a table row. */
function row(out: string, label: string): [number, number] {
  const line = out.split('\n').find((l) => l.trimStart().startsWith(label));
  expect(line, `no row "${label}" in:\n${out}`).toBeDefined();
  const cells = line!.trim().slice(label.length).trim().split(/\s+/);
  expect(cells).toHaveLength(2);
  const [a, b] = cells.map(Number) as [number, number];
  expect(Number.isFinite(a) && Number.isFinite(b), line).toBe(true);
  return [a, b];
}

let run: Run;

beforeAll(async () => {
  // `npm test` compiles first; a bare `vitest run` needs `npx tsc -p tsconfig.json` before it.
  expect(existsSync(entry), `${entry} is missing: run \`npx tsc -p tsconfig.json\` first`).toBe(true);
  for (const m of MODULES) {
    const js = join(root, 'dist', 'examples', `${m}.js`);
    expect(statSync(js).mtimeMs, `${js} is older than examples/${m}.ts: run \`npx tsc -p tsconfig.json\``).toBeGreaterThanOrEqual(statSync(join(root, 'examples', `${m}.ts`)).mtimeMs);
  }
  run = await runDemo(['--quick']);
}, 180_000);

describe('npm run demo -- --quick', () => {
  it('exits 0 and prints the results table', () => {
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('seqnet demo (quick mode)');
    expect(run.stdout).toMatch(/^\s+seqnet\s+tfjs-layers$/m);
    expect(run.stdout).toMatch(/^\s+backend\s+wasm\s+cpu$/m);
    expect(run.stderr).not.toContain('demo failed');
    // Switching the baseline to CPU does not print tfjs' tfjs-node advert.
    expect(run.stdout + run.stderr).not.toContain('install our node backend');
  });

  it('lists the fill of examples/tagger.seqnet and passes verify', () => {
    expect(run.stdout).toMatch(/1\. fill `logits` for output logits 11:10: dense `logits` \(9:12\)/);
    expect(run.stdout).toMatch(/verify Tagger: R1-R4 hold on 2 random batches/);
  });

  it('starts both sides from the same function', () => {
    const m = /before training, real-step outputs differ by at most (\S+)/.exec(run.stdout);
    expect(m, run.stdout).not.toBeNull();
    expect(Number(m![1])).toBeLessThan(1e-4);
  });

  it('reports masked loss and accuracy for both sides', () => {
    const [lossS, lossB] = row(run.stdout, 'masked loss, held-out real steps');
    const [accS, accB] = row(run.stdout, 'accuracy, held-out real steps');
    for (const v of [lossS, lossB]) expect(v).toBeGreaterThan(0);
    for (const v of [accS, accB]) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
    // The table's masked loss for seqnet is the runtime's evaluate(), computed independently.
    const m = /seqnet's evaluate\(\) gives the same masked loss as computed here: (\S+)\./.exec(run.stdout);
    expect(Number(m![1])).toBeCloseTo(lossS, 4);
  });

  it('padding moves tfjs-layers in training (> 1e-3) and seqnet nowhere (< 1e-4)', () => {
    for (const label of ['real-step outputs, training mode', 'training loss', 'gradient of the training loss']) {
      const [seqnet, baseline] = row(run.stdout, label);
      expect(baseline, label).toBeGreaterThan(1e-3);
      expect(seqnet, label).toBeLessThan(1e-4);
    }
    // In inference this model's tfjs-layers real steps do not move (the demo's note says so): keep that note true.
    const [seqnet, baseline] = row(run.stdout, 'real-step outputs, inference');
    expect(seqnet).toBeLessThan(1e-4);
    expect(baseline).toBeLessThan(1e-5);
  });
});
