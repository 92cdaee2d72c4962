/**
 * `seqnetc build` is atomic (API.md): a build that fails leaves the output
 * folder exactly as it was (same entries, same bytes, same modes), with no
 * temporary folder left behind, and says why on stderr (exit 1, no stack).
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outDir, removeOut, requireDist, runCli, snapshotDir, type CliResult } from '../unit/emit/support.js';

const TAGGER = 'examples/tagger.seqnet';
let root: string;

beforeAll(() => {
  requireDist();
  root = outDir('build-atomic');
});

afterAll(() => removeOut(root));

/** A folder holding an earlier build's files (with bytes that are not UTF-8) and an unrelated file. */
function previousBuild(name: string): string {
  const dir = join(root, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'tagger.ts'), Buffer.from([0x2f, 0x2f, 0x20, 0xff, 0xfe, 0x00, 0xc3, 0x28, 0x0a]));
  writeFileSync(join(dir, 'tagger.js'), '// an earlier build\n');
  writeFileSync(join(dir, 'notes.txt'), 'not ours\n');
  chmodSync(join(dir, 'tagger.js'), 0o640);
  return dir;
}

function expectCleanFailure(r: CliResult, message: RegExp): void {
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/\n\s+at .*:\d+:\d+\)?\n|internal error/);
  expect(r.stdout).not.toMatch(/^built /m);
}

describe('a failed build leaves the output folder as it was', () => {
  it('on a compile error in the source', async () => {
    const dir = previousBuild('compile-error');
    const src = join(root, 'broken.seqnet');
    writeFileSync(src, readFileSync(TAGGER, 'utf8').replace('gru(h, units: 128)', 'gru(h, unit: 128)'));
    const before = snapshotDir(dir);
    const r = await runCli(['build', src, '-o', dir]);
    expectCleanFailure(r, /error SN0202/);
    expect(snapshotDir(dir)).toEqual(before);
  });

  it('on a compile error, into a folder that does not exist: the folder is not created', async () => {
    const src = join(root, 'broken2.seqnet');
    writeFileSync(src, 'model M { input x: f32[B, T, 4] masked by zeros, padded post; h = nosuch(x); output h; }\n');
    const r = await runCli(['build', src, '-o', join(root, 'never')]);
    expectCleanFailure(r, /error SN0201/);
    expect(existsSync(join(root, 'never'))).toBe(false);
  });

  it('when the output path is a regular file', async () => {
    const dir = join(root, 'file-parent');
    mkdirSync(dir);
    writeFileSync(join(dir, 'out'), 'a file, not a folder\n');
    const before = snapshotDir(dir);
    const r = await runCli(['build', TAGGER, '-o', join(dir, 'out')]);
    expectCleanFailure(r, /cannot write to .*out.*nothing was written/);
    expect(snapshotDir(dir)).toEqual(before);
  });

  it('when the output path is below a regular file', async () => {
    const dir = join(root, 'file-grandparent');
    mkdirSync(dir);
    writeFileSync(join(dir, 'out'), 'a file, not a folder\n');
    const before = snapshotDir(dir);
    const r = await runCli(['build', TAGGER, '-o', join(dir, 'out', 'sub')]);
    expectCleanFailure(r, /cannot write to .*nothing was written/);
    expect(snapshotDir(dir)).toEqual(before);
  });

  it('when the last file cannot be put in place (after the first ones were): earlier files come back', async () => {
    // tagger.manifest.json is written last; a folder in its place makes that rename fail
    // after tagger.ts, .js and .d.ts have replaced (or joined) what was there.
    const dir = join(root, 'late-failure');
    mkdirSync(dir);
    writeFileSync(join(dir, 'tagger.ts'), '// an earlier build\n');
    writeFileSync(join(dir, 'notes.txt'), 'not ours\n');
    mkdirSync(join(dir, 'tagger.manifest.json'));
    writeFileSync(join(dir, 'tagger.manifest.json', 'keep'), 'x');
    const before = snapshotDir(dir);
    const r = await runCli(['build', TAGGER, '-o', dir]);
    expectCleanFailure(r, /cannot write to .*nothing was written/);
    expect(snapshotDir(dir)).toEqual(before);
  });

  // The rollback moves replaced files aside and back, so their bytes and modes are kept exactly.
  it('when the last file cannot be put in place: earlier files come back byte for byte, with their modes', async () => {
    const dir = previousBuild('late-failure-bytes');
    mkdirSync(join(dir, 'tagger.manifest.json'));
    writeFileSync(join(dir, 'tagger.manifest.json', 'keep'), 'x');
    const before = snapshotDir(dir);
    const r = await runCli(['build', TAGGER, '-o', dir]);
    expectCleanFailure(r, /cannot write to .*nothing was written/);
    expect(snapshotDir(dir)).toEqual(before);
  });

  // Running as root, permissions do not stop a write, so an unwritable folder cannot be made.
  it.skipIf(process.getuid?.() === 0)('when the output folder is not writable', async () => {
    const dir = previousBuild('read-only');
    chmodSync(dir, 0o555);
    try {
      const before = snapshotDir(dir);
      const r = await runCli(['build', TAGGER, '-o', dir]);
      expectCleanFailure(r, /cannot write to .*EACCES.*nothing was written/);
      expect(snapshotDir(dir)).toEqual(before);
    } finally {
      chmodSync(dir, 0o755);
    }
  });

  it('a successful build into the same kind of folder replaces only its own four files', async () => {
    const dir = previousBuild('success');
    const r = await runCli(['build', TAGGER, '-o', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['notes.txt', 'tagger.d.ts', 'tagger.js', 'tagger.manifest.json', 'tagger.ts']);
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('not ours\n');
    expect(readFileSync(join(dir, 'tagger.ts'), 'utf8')).toMatch(/^\/\/ Generated by seqnetc /);
  });
});
