/** Writing a build's files so that a failure leaves the output folder as it was. */
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

export function writeAtomically(dir: string, files: ReadonlyMap<string, string>): void {
  mkdirSync(dir, { recursive: true });
  const tmp = mkdtempSync(join(dir, '.seqnetc-'));
  const moved: { name: string; previous?: string }[] = [];
  try {
    for (const [name, text] of files) writeFileSync(join(tmp, name), text);
    for (const name of files.keys()) {
      const target = join(dir, name);
      const previous = existsSync(target) ? readFileSync(target, 'utf8') : undefined;
      renameSync(join(tmp, name), target);
      moved.push({ name, previous });
    }
  } catch (e) {
    // Put back what was there before: a build is all or nothing.
    for (const m of moved.reverse()) {
      const target = join(dir, m.name);
      if (m.previous === undefined) rmSync(target, { force: true });
      else writeFileSync(target, m.previous);
    }
    throw e;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
