#!/usr/bin/env node
/**
 * seqnetc: the command line. The only place (with the runtime's save/load)
 * that touches the file system, the process and exit codes.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { checkSource, loadBuiltins, selectModel, type Builtins } from '../check/program.js';
import { hasErrors, sortDiagnostics, type Diagnostic } from '../diagnostics/diagnostic.js';
import { renderJsonLines, renderText } from '../diagnostics/render.js';
import { didYouMean } from '../diagnostics/suggest.js';
import { explain, renderExplainDot, renderExplainSvg, renderExplainText } from '../emit/explain.js';
import { insertFills } from '../rewrite/fills.js';
import type { IrModel } from '../check/ir.js';
import { packageVersion, readSource, readSpecs } from './files.js';
import { writeAtomically } from './write.js';
import { dirname, relative, resolve, sep } from 'node:path';

export interface Io {
  stdout(s: string): void;
  stderr(s: string): void;
}

export const processIo: Io = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
};

/** Exit codes of LANGUAGE.md section 7. */
export const EXIT = { ok: 0, errors: 1, usage: 2, fails: 3, internal: 70 } as const;

type Format = 'text' | 'json';

let builtinsCache: Builtins | undefined;
function builtins(io: Io): Builtins | undefined {
  if (!builtinsCache) builtinsCache = loadBuiltins(readSpecs());
  if (builtinsCache.diagnostics.length) {
    io.stderr('seqnetc: the built-in layer specs are broken (a bad installation):\n');
    for (const d of builtinsCache.diagnostics) io.stderr(renderText(d) + '\n');
    return undefined;
  }
  return builtinsCache;
}

function printDiagnostics(io: Io, ds: readonly Diagnostic[], format: Format): void {
  const sorted = sortDiagnostics(ds);
  if (format === 'json') {
    if (sorted.length) io.stdout(renderJsonLines(sorted) + '\n');
    return;
  }
  for (const d of sorted) io.stderr(renderText(d) + '\n\n');
  const errors = sorted.filter((d) => d.severity === 'error').length;
  const warnings = sorted.length - errors;
  if (sorted.length) {
    const parts = [errors ? `${errors} error${errors === 1 ? '' : 's'}` : '', warnings ? `${warnings} warning${warnings === 1 ? '' : 's'}` : ''].filter(Boolean);
    io.stderr(`${parts.join(', ')}\n`);
  }
}

function parsePositive(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${flag} takes a whole number of at least 1`);
    return n;
  };
}

function parseSeed(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('--seed takes a whole number');
  return n | 0;
}

function formatOption(): Option {
  return new Option('--format <format>', 'diagnostics as text or JSON lines').choices(['text', 'json']).default('text');
}

export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  let code: number = EXIT.ok;
  const program = new Command();
  program
    .name('seqnetc')
    .description('Compile .seqnet sequence models to TensorFlow.js, with masking checked and proved.')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run `seqnetc --help` for usage)')
    .option('-V, --version', 'print the version and the tfjs backend it would use')
    .usage('[options] [command]')
    .argument('[command]')
    .action(async (command: string | undefined, opts: { version?: boolean }) => {
      if (command !== undefined) {
        const names = program.commands.map((c) => c.name());
        const guess = didYouMean(command, names);
        io.stderr(`error: unknown command \`${command}\`${guess ? `; did you mean \`${guess}\`?` : ''} (commands: ${names.join(', ')})\n`);
        return void (code = EXIT.usage);
      }
      if (opts.version) {
        const { initBackend } = await import('../runtime/backend.js');
        try {
          io.stdout(`seqnetc ${packageVersion()} (backend: ${await initBackend()})\n`);
        } catch (e) {
          io.stderr(`error: ${(e as Error).message}\n`);
          code = EXIT.errors;
        }
        return;
      }
      program.outputHelp();
    });

  /** Read, check and pick one model; prints diagnostics; undefined when the command must stop with exit 1. */
  const compileOne = (path: string, modelName: string | undefined, format: Format = 'text'): IrModel | undefined => {
    const m = compileChecked(path, modelName, format);
    return m && insertFills(m);
  };
  /** The checked model before fill insertion. */
  const compileChecked = (path: string, modelName: string | undefined, format: Format = 'text'): IrModel | undefined => {
    const b = builtins(io);
    if (!b) return undefined;
    const r = readSource(path);
    if (!r.ok) {
      io.stderr(`error: ${r.message}\n`);
      return undefined;
    }
    const checked = checkSource(r.file, b);
    const diags = [...checked.diagnostics];
    const picked = hasErrors(diags) ? undefined : selectModel(checked, modelName);
    if (picked && 'code' in picked) diags.push(picked);
    printDiagnostics(io, diags, format);
    if (!picked || 'code' in picked) return undefined;
    return picked;
  };

  program
    .command('check')
    .description('parse and type-check .seqnet files')
    .argument('<files...>', '.seqnet files')
    .addOption(formatOption())
    .action((files: string[], opts: { format: Format }) => {
      const b = builtins(io);
      if (!b) return void (code = EXIT.errors);
      const all: Diagnostic[] = [];
      for (const path of files) {
        const r = readSource(path);
        if (!r.ok) {
          io.stderr(`error: ${r.message}\n`);
          code = EXIT.errors;
          continue;
        }
        all.push(...checkSource(r.file, b).diagnostics);
      }
      printDiagnostics(io, all, opts.format);
      if (hasErrors(all)) code = EXIT.errors;
    });

  program
    .command('explain')
    .description('per value: shape, mask, layout, pad state, params; every inserted fill with its reason')
    .argument('<file>', 'a .seqnet file')
    .option('--model <name>', 'the model to explain, when the file has several')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json', 'dot', 'svg']).default('table'))
    .action(async (path: string, opts: { model?: string; format: 'table' | 'json' | 'dot' | 'svg' }) => {
      const model = compileOne(path, opts.model);
      if (!model) return void (code = EXIT.errors);
      if (opts.format === 'table') io.stdout(renderExplainText(explain(model)));
      else if (opts.format === 'json') io.stdout(JSON.stringify(explain(model), null, 2) + '\n');
      else if (opts.format === 'dot') io.stdout(renderExplainDot(model));
      else io.stdout(await renderExplainSvg(model));
    });

  program
    .command('build')
    .description('compile a model: write <model>.ts, .js, .d.ts and .manifest.json (API.md)')
    .argument('<file>', 'a .seqnet file')
    .option('-o, --out <dir>', 'output folder', '.')
    .option('--model <name>', 'the model to build, when the file has several')
    .addOption(new Option('--target <target>', 'node, or web (browser: no file system)').choices(['node', 'web']).default('node'))
    .addOption(formatOption())
    .action(async (path: string, opts: { out: string; model?: string; target: 'node' | 'web'; format: Format }) => {
      const model = compileOne(path, opts.model, opts.format);
      if (!model) return void (code = EXIT.errors);
      // ts-morph is loaded only to build: `check` and `explain` start faster without it.
      const { buildFiles } = await import('../emit/build.js');
      const outDir = resolve(opts.out);
      const out = buildFiles(model, packageVersion(), {
        target: opts.target,
        implSpecifier: (n) => {
          const abs = resolve(dirname(resolve(path)), n.impl!.module);
          const rel = relative(outDir, abs).split(sep).join('/');
          return rel.startsWith('.') ? rel : `./${rel}`;
        },
      });
      try {
        writeAtomically(outDir, out.files);
      } catch (e) {
        io.stderr(`error: cannot write to \`${opts.out}\`: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}; nothing was written\n`);
        return void (code = EXIT.errors);
      }
      io.stdout(`built ${model.name}: ${[...out.files.keys()].map((f) => relative(process.cwd(), resolve(outDir, f)) || f).join(', ')}\n`);
    });

  program
    .command('verify')
    .description('build, then test R1-R4 of MASKING.md on random batches; exit 3 with a shrunk counterexample')
    .argument('<file>', 'a .seqnet file')
    .option('--model <name>', 'the model to verify, when the file has several')
    .option('--runs <n>', 'random batches and weight draws', parsePositive('--runs'), 20)
    .option('--seed <s>', 'fast-check seed (printed for replay)', parseSeed, 1)
    .addOption(new Option('--drop-fill <value>', 'test only: leave out the fill of this value').hideHelp())
    .action(async (path: string, opts: { model?: string; runs: number; seed: number; dropFill?: string }) => {
      const b = builtins(io);
      if (!b) return void (code = EXIT.errors);
      const checked = compileChecked(path, opts.model);
      if (!checked) return void (code = EXIT.errors);
      const model = insertFills(checked, opts.dropFill ? { drop: new Set([opts.dropFill]) } : {});
      const { initBackend } = await import('../runtime/backend.js');
      const { instantiate } = await import('../emit/instantiate.js');
      const { verifyCompiled, renderReport } = await import('../verify/verify.js');
      const { loadCustomLayers } = await import('./custom-layers.js');
      try {
        await initBackend();
      } catch (e) {
        io.stderr(`error: ${(e as Error).message}\n`);
        return void (code = EXIT.errors);
      }
      const custom = await loadCustomLayers(path, model);
      if (!custom.ok) {
        io.stderr(`error: ${custom.message}\n`);
        return void (code = EXIT.errors);
      }
      const compiled = instantiate(model, { seed: opts.seed, customLayers: custom.lookup });
      const report = verifyCompiled(model, compiled, { runs: opts.runs, seed: opts.seed });
      const replay = ['seqnetc verify', path, ...(opts.model ? ['--model', opts.model] : []), '--runs', String(opts.runs), '--seed', String(opts.seed), ...(opts.dropFill ? ['--drop-fill', opts.dropFill] : [])].join(' ');
      io.stdout(renderReport(report, replay));
      if (report.counterexample) code = EXIT.fails;
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT.ok;
      return EXIT.usage;
    }
    const message = e instanceof Error ? e.message : String(e);
    io.stderr(`seqnetc: internal error: ${message}\nThis is a bug in seqnetc; please report it with the input that caused it.\n`);
    return EXIT.internal;
  }
  return code;
}

function isEntryPoint(): boolean {
  try {
    return realpathSync(process.argv[1] ?? '') === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main(process.argv.slice(2)).then(
    (c) => {
      process.exitCode = c;
    },
    () => {
      process.exitCode = EXIT.internal;
    },
  );
}
