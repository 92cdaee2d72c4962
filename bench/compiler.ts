/**
 * Compiler speed: check (parse + type and mask check), fill insertion and
 * build (emit .ts/.js/.d.ts/manifest) of a generated 500-layer model, after
 * warm-up, in this process; and the start-up time of `seqnetc --version` in
 * child processes.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { checkSource, loadBuiltins } from '../src/check/program.js';
import { SourceFile } from '../src/diagnostics/span.js';
import { buildFiles } from '../src/emit/build.js';
import { insertFills } from '../src/rewrite/fills.js';
import { packageRoot, readSpecs } from '../src/cli/files.js';
import { largeModel } from './gen-large.js';
import { summarize, type Summary } from './stats.js';

export interface CompilerResults {
  check500Ms: number;
  fill500Ms: number;
  build500Ms: number;
  largeFileLines: number;
  startupMs: number;
  startupCheckMs: number;
  details: Record<string, Summary>;
}

function time<T>(f: () => T): [number, T] {
  const t0 = performance.now();
  const r = f();
  return [performance.now() - t0, r];
}

export function benchCompiler(runs = 7): CompilerResults {
  const text = largeModel(500);
  const builtins = loadBuiltins(readSpecs());
  const checkTimes: number[] = [];
  const fillTimes: number[] = [];
  const buildTimes: number[] = [];
  for (let i = 0; i < runs + 2; i++) {
    const [tc, checked] = time(() => checkSource(new SourceFile('large.seqnet', text), builtins));
    if (checked.diagnostics.some((d) => d.severity === 'error')) throw new Error(`the generated model does not check: ${checked.diagnostics[0]!.message}`);
    const [tf, filled] = time(() => insertFills(checked.models[0]!));
    const [tb] = time(() => buildFiles(filled, '0.0.0'));
    if (i >= 2) {
      checkTimes.push(tc);
      fillTimes.push(tf);
      buildTimes.push(tc + tf + tb);
    }
  }
  const cli = join(packageRoot(), 'dist', 'src', 'cli', 'main.js');
  const startup: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [cli, '--version'], { encoding: 'utf8' });
    startup.push(performance.now() - t0);
    if (r.status !== 0) throw new Error(`seqnetc --version failed: ${r.stderr}`);
  }
  const checkStartup: number[] = [];
  const example = join(packageRoot(), 'examples', 'tagger.seqnet');
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [cli, 'check', example], { encoding: 'utf8' });
    checkStartup.push(performance.now() - t0);
    if (r.status !== 0) throw new Error(`seqnetc check failed: ${r.stderr}`);
  }
  const details = {
    startupCheck: summarize(checkStartup),
    check500: summarize(checkTimes),
    fill500: summarize(fillTimes),
    build500: summarize(buildTimes),
    startupVersion: summarize(startup),
  };
  return {
    check500Ms: details.check500.median,
    fill500Ms: details.fill500.median,
    build500Ms: details.build500.median,
    largeFileLines: text.split('\n').length,
    startupMs: details.startupVersion.median,
    startupCheckMs: details.startupCheck.median,
    details,
  };
}
