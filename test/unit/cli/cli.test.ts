/**
 * The command line through `main(argv, io)`: exit codes of LANGUAGE.md
 * section 7, where each kind of message goes, the JSON line format, and clear
 * messages (never a stack trace) for paths that are not .seqnet files.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, type Io } from '../../../src/cli/main.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Every run is also checked for a JavaScript stack trace, whatever the test asserts. */
async function run(...argv: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    stdout: (s) => void (stdout += s),
    stderr: (s) => void (stderr += s),
  };
  const code = await main(argv, io);
  expectNoStackTrace(stdout + stderr);
  return { code, stdout, stderr };
}

function expectNoStackTrace(text: string): void {
  expect(text).not.toMatch(/^\s+at .+[(:]/m);
  expect(text).not.toMatch(/\b(TypeError|ReferenceError|RangeError|SyntaxError): /);
}

function jsonLines(stdout: string): { code: string; line: number; column: number; end: unknown }[] {
  return stdout
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as { code: string; line: number; column: number; end: unknown });
}

let dir: string;
const file = (name: string) => join(dir, name);

const GOOD = `model M {
  input x: f32[B, T, 4] masked by zeros, padded post;
  h = dense(x, units: 8);
  output h;
}
`;

// Two errors in one file, on lines 3 and 4, plus a warning on line 5.
const BAD = `model M {
  input x: f32[B, T, 4] masked by zeros, padded post;
  h = x |> dense(units: 8) |> rellu();
  c = dense(x, units: 8) |> conv1d(filters: 8, kernel: 3, padding: casual);
  unused = dense(x, units: 2);
  output h, c;
}
`;

const WARN_ONLY = `model M {
  input x: f32[B, T, 4] masked by zeros, padded post;
  h = dense(x, units: 8);
  g = relu(h);
  output h;
}
`;

const TWO_MODELS = `model Encoder {
  input x: f32[B, T, 4] masked by zeros, padded post;
  h = dense(x, units: 8);
  output h;
}

model Decoder {
  input x: f32[B, T, 4] masked by zeros, padded post;
  h = dense(x, units: 8);
  output h;
}
`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'seqnetc-cli-'));
  writeFileSync(file('good.seqnet'), GOOD);
  writeFileSync(file('bad.seqnet'), BAD);
  writeFileSync(file('warn.seqnet'), WARN_ONLY);
  writeFileSync(file('two.seqnet'), TWO_MODELS);
  writeFileSync(file('empty.seqnet'), '');
  writeFileSync(file('binary.seqnet'), Buffer.from([0x6d, 0x6f, 0x64, 0x00, 0x01, 0xff, 0x00, 0x7b]));
  writeFileSync(file('locked.seqnet'), GOOD);
  chmodSync(file('locked.seqnet'), 0o000);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('seqnetc check: exit codes', () => {
  it('exits 0 and prints nothing for a clean file', async () => {
    const r = await run('check', file('good.seqnet'));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('');
  });

  it('exits 0 on warnings only, and still shows them', async () => {
    const r = await run('check', file('warn.seqnet'));
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('warning SN0503: value `g` is never used');
    expect(r.stderr).toMatch(/^1 warning$/m);
  });

  it('exits 1 on errors, with every diagnostic on stderr in source order and a count', async () => {
    const r = await run('check', file('bad.seqnet'));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const heads = r.stderr.split('\n').filter((l) => / (error|warning) SN\d{4}: /.test(l));
    expect(heads).toEqual([
      `${file('bad.seqnet')}:3:31: error SN0201: unknown layer \`rellu\``,
      `${file('bad.seqnet')}:4:68: error SN0206: \`padding\` of \`conv1d\` is one of same, valid, causal; found \`casual\``,
      `${file('bad.seqnet')}:5:3: warning SN0503: value \`unused\` is never used`,
    ]);
    expect(r.stderr).toContain('help: did you mean `relu`?');
    expect(r.stderr).toContain('help: did you mean `causal`?');
    expect(r.stderr).toMatch(/^2 errors, 1 warning$/m);
  });

  it('checks every file it is given and exits 1 when any has errors', async () => {
    const r = await run('check', file('good.seqnet'), file('bad.seqnet'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('bad.seqnet:3:31: error SN0201');
    expect(r.stderr).not.toContain('good.seqnet:');
  });

  it('exits 2 on an unknown flag', async () => {
    const r = await run('check', '--bogus', file('good.seqnet'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--bogus'");
    expect(r.stdout).toBe('');
  });

  it('exits 2 on an unknown top-level flag', async () => {
    const r = await run('--frobnicate');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--frobnicate'");
  });

  it('exits 2 without a file argument', async () => {
    const r = await run('check');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("missing required argument 'files'");
  });

  it('exits 2 on a --format it does not know', async () => {
    const r = await run('check', '--format', 'xml', file('good.seqnet'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("'xml' is invalid");
  });
});

describe('seqnetc check: paths that are not .seqnet files', () => {
  it('a missing path: a clear message and exit 1', async () => {
    const r = await run('check', file('nope.seqnet'));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: cannot read \`${file('nope.seqnet')}\`: no such file\n`);
  });

  it('a directory: a clear message and exit 1', async () => {
    const r = await run('check', dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: cannot read \`${dir}\`: it is a directory, not a .seqnet file\n`);
  });

  it('a binary file (NUL bytes): a clear message and exit 1', async () => {
    const r = await run('check', file('binary.seqnet'));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: cannot read \`${file('binary.seqnet')}\`: it is a binary file, not a .seqnet file\n`);
  });

  // root reads a file whatever its mode bits say, so this one only means something for other users.
  it.skipIf(process.getuid?.() === 0)('an unreadable file: a clear message and exit 1', async () => {
    const r = await run('check', file('locked.seqnet'));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: cannot read \`${file('locked.seqnet')}\`: permission denied\n`);
  });

  it('a path through a file (not a directory): a clear message and exit 1', async () => {
    const r = await run('check', join(file('good.seqnet'), 'inner.seqnet'));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: cannot read \`${join(file('good.seqnet'), 'inner.seqnet')}\`: no such file\n`);
  });

  // A file that even root cannot read: reading /proc/self/mem from offset 0 fails with EIO.
  it.runIf(process.platform === 'linux')('a file whose read fails: one line, exit 1', async () => {
    const r = await run('check', '/proc/self/mem');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: cannot read `\/proc\/self\/mem`: .+\n$/);
  });

  it('an unreadable path among good ones: the others are still checked', async () => {
    const r = await run('check', file('nope.seqnet'), file('bad.seqnet'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot read');
    expect(r.stderr).toContain('error SN0201');
  });

  it('an empty file is a diagnostic (SN0501), exit 1', async () => {
    const r = await run('check', file('empty.seqnet'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file('empty.seqnet')}:1:1: error SN0501: `);
    expect(r.stderr).toMatch(/^1 error$/m);
  });
});

describe('seqnetc check --format json', () => {
  it('prints one JSON object per diagnostic on stdout, nothing on stderr', async () => {
    const r = await run('check', '--format', 'json', file('bad.seqnet'));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    expect(r.stdout.endsWith('\n')).toBe(true);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    const objs = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const o of objs) {
      for (const key of ['file', 'line', 'column', 'end', 'code', 'severity', 'message', 'notes']) expect(o).toHaveProperty(key);
    }
    expect(objs[0]).toMatchObject({
      file: file('bad.seqnet'),
      line: 3,
      column: 31,
      // `rellu` is 5 characters: end is just past it, on the same line.
      end: { line: 3, column: 36 },
      code: 'SN0201',
      severity: 'error',
      message: 'unknown layer `rellu`',
      notes: [],
      help: 'did you mean `relu`?',
    });
    expect(objs.map((o) => [o['code'], o['severity'], o['line']])).toEqual([
      ['SN0201', 'error', 3],
      ['SN0206', 'error', 4],
      ['SN0503', 'warning', 5],
    ]);
  });

  it('notes carry their own file, line and column', async () => {
    const twice = `model M {
  input x: f32[B, T, 4] masked by zeros, padded post;
  h = dense(x, units: 8, units: 16);
  output h;
}
`;
    writeFileSync(file('twice.seqnet'), twice);
    const r = await run('check', '--format', 'json', file('twice.seqnet'));
    expect(r.code).toBe(1);
    const o = JSON.parse(r.stdout.trim()) as { code: string; line: number; column: number; end: unknown; notes: unknown[] };
    expect(o).toMatchObject({ code: 'SN0204', line: 3, column: 26, end: { line: 3, column: 35 } });
    expect(o.notes).toEqual([{ message: 'first given here', file: file('twice.seqnet'), line: 3, column: 16 }]);
  });

  it('counts columns in characters, not bytes', async () => {
    // `é` is 2 bytes in UTF-8; the error after it must still be at column 10 of line 2.
    writeFileSync(file('accent.seqnet'), 'model M { // é\n  output é;\n}\n');
    const r = await run('check', '--format', 'json', file('accent.seqnet'));
    expect(r.code).toBe(1);
    const first = jsonLines(r.stdout).find((o) => o.code === 'SN0101');
    expect(first).toMatchObject({ code: 'SN0101', line: 2, column: 10 });
  });

  it('counts a character outside the BMP (two UTF-16 units) as one column', async () => {
    // Characters: 2 spaces, `/*` (3-4), space, the emoji (6), space, `*/` (8-9), space, `output` (11-16), space, `@` (18).
    writeFileSync(file('emoji.seqnet'), 'model M {\n  /* \u{1F600} */ output @;\n}\n');
    const r = await run('check', '--format', 'json', file('emoji.seqnet'));
    expect(r.code).toBe(1);
    const first = jsonLines(r.stdout).find((o) => o.code === 'SN0101');
    expect(first).toMatchObject({ code: 'SN0101', line: 2, column: 18, end: { line: 2, column: 19 } });
  });

  it('prints nothing for a clean file, exit 0', async () => {
    const r = await run('check', '--format', 'json', file('good.seqnet'));
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('the empty-file diagnostic has a position too', async () => {
    const r = await run('check', '--format', 'json', file('empty.seqnet'));
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout.trim())).toMatchObject({ code: 'SN0501', line: 1, column: 1, end: { line: 1, column: 1 } });
  });
});

describe('seqnetc explain: choosing a model', () => {
  it('a file with several models and no --model: SN0211, exit 1', async () => {
    const r = await run('explain', file('two.seqnet'));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${file('two.seqnet')}:7:7: error SN0211: `);
    expect(r.stderr).toContain('help: --model Encoder | Decoder');
  });

  it('an unknown --model: SN0212 with a suggestion, exit 1', async () => {
    const r = await run('explain', file('two.seqnet'), '--model', 'Decodr');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file('two.seqnet')}: error SN0212: `);
    expect(r.stderr).toContain('help: did you mean `Decoder`?');
  });

  it('--model picks one, exit 0', async () => {
    const r = await run('explain', file('two.seqnet'), '--model', 'Decoder');
    expect(r.code).toBe(0);
    expect(r.stdout).not.toBe('');
  });
});

describe('seqnetc --help', () => {
  it('exits 0 and lists the commands', async () => {
    const r = await run('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: seqnetc');
    expect(r.stdout).toContain('check');
    expect(r.stdout).toContain('explain');
  });

  it('`check --help` exits 0', async () => {
    const r = await run('check', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--format');
  });
});

describe('hostile input never yields a stack trace', () => {
  const inputs: [string, string][] = [
    ['deep brackets', `model M { input x: f32[B, T, 4]; h = ${'('.repeat(5000)}x${')'.repeat(5000)}; output h; }`],
    ['lone surrogate', 'model M { \uD800 }'],
    ['only a brace', '}'],
    ['a huge number', `model M { input x: f32[B, T, 4]; h = dense(x, units: 1${'0'.repeat(400)}); output h; }`],
    ['unterminated everything', 'model M { input x: f32[B, T, 4] masked by value("'],
    ['keyword soup', 'model model { input input: target[B]; loss loss; }'],
    ['a layer with no body', 'layer f(x: f32[B, T, C]) -> f32[B, T, C]'],
  ];
  for (const [name, text] of inputs) {
    it(`${name}: diagnostics, exit 1`, async () => {
      const path = file(`hostile-${name.replace(/\W+/g, '-')}.seqnet`);
      writeFileSync(path, text);
      const r = await run('check', path);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/error SN0\d{3}: /);
      expect(r.stderr).not.toContain('internal error');
    });
  }
});

describe('the compiled CLI', () => {
  const entry = join(process.cwd(), 'dist', 'src', 'cli', 'main.js');

  it('`node dist/src/cli/main.js check examples/tagger.seqnet` exits 0', () => {
    // `npm test` compiles first; a bare `vitest run` needs `npx tsc -p tsconfig.json` before it.
    expect(existsSync(entry), `${entry} is missing: run \`npx tsc -p tsconfig.json\` first`).toBe(true);
    const r = spawnSync(process.execPath, [entry, 'check', 'examples/tagger.seqnet'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('the compiled CLI exits 1 on a bad file and 2 on a usage error, without a stack trace', () => {
    expect(existsSync(entry)).toBe(true);
    const bad = spawnSync(process.execPath, [entry, 'check', file('bad.seqnet')], { encoding: 'utf8', timeout: 60_000 });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('error SN0201');
    expectNoStackTrace(bad.stderr + bad.stdout);
    const usage = spawnSync(process.execPath, [entry, 'check'], { encoding: 'utf8', timeout: 60_000 });
    expect(usage.status).toBe(2);
    expectNoStackTrace(usage.stderr + usage.stdout);
  });
});
