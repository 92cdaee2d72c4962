/**
 * Peak RSS of one T = 1,000 tagger training step (issue 7, item 7), each
 * model in a child process of its own (dist/bench/child-memory.js), so
 * that neither sees the other's heap or the WASM memory the other grew.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../src/cli/files.js';
import { round } from './stats.js';

export interface ChildMemory {
  readonly variant: string;
  readonly T: number;
  readonly backend: string;
  readonly peakRssMb: number;
  readonly baseRssMb: number;
  readonly peakBeforeStepMb: number;
  readonly stepMs: number;
  readonly loss: number;
  readonly wasmHeapMb?: number;
}

export interface MemoryResults {
  readonly T: number;
  readonly backend: string;
  readonly seqnet: ChildMemory;
  readonly masking: ChildMemory;
  /** seqnet's peak RSS, MB. */
  readonly peakRssMb: number;
  /** seqnet's peak RSS / tfjs-layers' (with Masking), whole processes. */
  readonly rssRatio: number;
  /** The same ratio over what each step added to the process's peak (peak - RSS before the step). */
  readonly stepRssRatio: number;
}

export function runChild(variant: 'seqnet' | 'masking' | 'plain', T: number, backend: string): ChildMemory {
  const script = join(packageRoot(), 'dist', 'bench', 'child-memory.js');
  const r = spawnSync(process.execPath, ['--expose-gc', script, variant, String(T), backend], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`bench: child-memory ${variant} T=${T} failed (${r.status}): ${r.stderr}`);
  const line = r.stdout.trim().split('\n').pop()!;
  return JSON.parse(line) as ChildMemory;
}

export function benchMemory(log: (line: string) => void, T = 1000, backend = 'wasm'): MemoryResults {
  log(`  peak RSS of one tagger training step, B=32, T=${T}, ${backend}, each in its own process`);
  const seqnet = runChild('seqnet', T, backend);
  log(`    seqnet: peak ${seqnet.peakRssMb} MB (before the step ${seqnet.baseRssMb} MB), step ${seqnet.stepMs} ms`);
  const masking = runChild('masking', T, backend);
  log(`    tfjs-layers + Masking: peak ${masking.peakRssMb} MB (before the step ${masking.baseRssMb} MB), step ${masking.stepMs} ms`);
  return {
    T,
    backend,
    seqnet,
    masking,
    peakRssMb: seqnet.peakRssMb,
    rssRatio: round(seqnet.peakRssMb / masking.peakRssMb),
    stepRssRatio: round((seqnet.peakRssMb - seqnet.baseRssMb) / (masking.peakRssMb - masking.baseRssMb)),
  };
}
