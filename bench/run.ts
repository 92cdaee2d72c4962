/**
 * `npm run bench`: every measurement in one process (child processes only
 * where a per-process number is the point), written to bench/results.json
 * and printed as a table.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../src/cli/files.js';
import { benchCompiler } from './compiler.js';

const root = packageRoot();
const path = join(root, 'bench', 'results.json');
let results: Record<string, unknown> = {};
try {
  results = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
} catch {
  results = {};
}
const only = process.argv.slice(2);
const want = (name: string) => only.length === 0 || only.includes(name);

results['machine'] = { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version };
if (want('compiler')) {
  const c = benchCompiler();
  Object.assign(results, c);
  console.log('compiler (500-layer model, %d lines):', c.largeFileLines);
  console.log(`  check       ${c.check500Ms.toFixed(1)} ms   (goal < 300 ms)`);
  console.log(`  fills       ${c.fill500Ms.toFixed(1)} ms`);
  console.log(`  build       ${c.build500Ms.toFixed(1)} ms   (goal < 3000 ms)`);
  console.log(`  seqnetc --version start-up ${c.startupMs.toFixed(0)} ms (loads tfjs and the backend)`);
  console.log(`  seqnetc check tagger.seqnet, whole process ${c.startupCheckMs.toFixed(0)} ms`);
}
writeFileSync(path, JSON.stringify(results, null, 2) + '\n');
console.log(`wrote ${path}`);
