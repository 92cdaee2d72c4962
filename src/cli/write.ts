/** Writing a build's files so that a failure leaves the output folder as it was. */
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * Create `dir` and its missing parents one level at a time. (Node 20's
 * recursive mkdir loops forever under /proc; a plain mkdir fails cleanly.)
 */
function makeDir(dir: string): void {
  const missing: string[] = [];
  let d = resolve(dir);
  while (!existsSync(d)) {
    missing.push(d);
    const up = dirname(d);
    if (up === d) break;
    d = up;
  }
  if (existsSync(d) && !statSync(d).isDirectory()) throw Object.assign(new Error(`${d} is not a directory`), { code: 'ENOTDIR' });
  for (const m of missing.reverse()) mkdirSync(m);
}

export function writeAtomically(dir: string, files: ReadonlyMap<string, string>): void {
  makeDir(dir);
  for (const name of files.keys()) {
    const target = join(dir, name);
    // Only files are replaced: a folder in a file's place is the user's, not an earlier build.
    if (existsSync(target) && !statSync(target).isFile()) throw Object.assign(new Error(`${target} is not a file`), { code: 'EISDIR' });
  }
  const tmp = mkdtempSync(join(dir, '.seqnetc-'));
  const fresh = join(tmp, 'new');
  const old = join(tmp, 'old');
  mkdirSync(fresh);
  mkdirSync(old);
  const moved: { name: string; hadOld: boolean }[] = [];
  try {
    for (const [name, text] of files) writeFileSync(join(fresh, name), text);
    for (const name of files.keys()) {
      const target = join(dir, name);
      // The previous file is moved aside, not copied: its bytes and mode come back exactly on failure.
      const hadOld = existsSync(target);
      if (hadOld) renameSync(target, join(old, name));
      moved.push({ name, hadOld });
      renameSync(join(fresh, name), target);
    }
  } catch (e) {
    for (const m of moved.reverse()) {
      const target = join(dir, m.name);
      rmSync(target, { force: true });
      if (m.hadOld) renameSync(join(old, m.name), target);
    }
    throw e;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
