/** Reading what the user names, with clear errors instead of stack traces. */
import { readFileSync, statSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SourceFile } from '../diagnostics/span.js';
import type { SpecText } from '../check/program.js';

export type ReadResult = { ok: true; file: SourceFile } | { ok: false; message: string };

export function readSource(path: string): ReadResult {
  let st;
  try {
    st = statSync(path);
  } catch {
    return { ok: false, message: `cannot read \`${path}\`: no such file` };
  }
  if (st.isDirectory()) return { ok: false, message: `cannot read \`${path}\`: it is a directory, not a .seqnet file` };
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    return { ok: false, message: `cannot read \`${path}\`: ${code === 'EACCES' ? 'permission denied' : code}` };
  }
  if (buf.includes(0)) return { ok: false, message: `cannot read \`${path}\`: it is a binary file, not a .seqnet file` };
  const text = new TextDecoder('utf-8', { fatal: false }).decode(buf).replace(/^\uFEFF/, '');
  return { ok: true, file: new SourceFile(path, text) };
}

/** The package root: where package.json and specs/ are, from both src/ (tests) and dist/src/ (installed). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      statSync(join(dir, 'specs'));
      statSync(join(dir, 'package.json'));
      return dir;
    } catch {
      dir = dirname(dir);
    }
  }
  return dirname(dirname(dirname(fileURLToPath(import.meta.url))));
}

export function readSpecs(root = packageRoot()): SpecText[] {
  const dir = join(root, 'specs');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.seqnet'))
    .sort()
    .map((f) => ({ name: join('specs', f), text: readFileSync(join(dir, f), 'utf8') }));
}

export function packageVersion(root = packageRoot()): string {
  return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
}
