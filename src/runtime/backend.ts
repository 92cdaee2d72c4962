/**
 * Backend selection (API.md, "The backend"). The native packages register
 * their backend into the engine of the one `@tensorflow/tfjs` the runtime
 * uses (`./tf.js`), so tensors made by callers and by the runtime always
 * live in one engine.
 *
 * Default order in Node: tfjs-node-gpu (CUDA), tfjs-node, WASM, CPU. A
 * package that is missing or whose native binding fails to load falls
 * through to the next. In a browser (the `--target web` module): WebGL,
 * WASM, CPU. `SEQNET_BACKEND=gpu|node|wasm|cpu|webgl` forces one (and fails
 * loudly when it cannot be had).
 */
import { tf } from './tf.js';
import { installCpuKernels } from './cpu-kernels.js';
import { installWasmKernels } from './wasm-kernels.js';

export type BackendChoice = 'gpu' | 'node' | 'wasm' | 'cpu' | 'webgl';
/** The order `initBackend` tries in Node. */
export const BACKEND_CHOICES: readonly BackendChoice[] = ['gpu', 'node', 'wasm', 'cpu'];
/** The order in a browser: tfjs' union package brings WebGL; the native packages cannot load there. */
const BROWSER_BACKEND_CHOICES: readonly BackendChoice[] = ['webgl', 'wasm', 'cpu'];

/** A page (window and document), not Node: decides the default order and how WASM finds its binaries. */
export function inBrowser(): boolean {
  const g = globalThis as { window?: unknown; document?: unknown };
  return g.window !== undefined && g.document !== undefined;
}

export interface BackendAttempt {
  readonly backend: BackendChoice;
  /** Why it was skipped. */
  readonly error: string;
}

export interface BackendInfo {
  readonly backend: BackendChoice;
  /** The tfjs backend name (`tensorflow`, `wasm`, `cpu`, `webgl`). */
  readonly tfBackend: string;
  readonly forced: boolean;
  /** The backends tried before it, with the reason each was skipped. */
  readonly skipped: readonly BackendAttempt[];
}

let current: BackendInfo | undefined;

/** Native packages are optional: import them by a computed specifier so that TypeScript does not need them. */
async function importOptional(specifier: string): Promise<unknown> {
  return import(specifier);
}

async function tryBackend(choice: BackendChoice): Promise<string> {
  switch (choice) {
    case 'gpu':
    case 'node': {
      await importOptional(choice === 'gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node');
      if (!(await tf.setBackend('tensorflow'))) throw new Error('the tensorflow backend did not initialize');
      return 'tensorflow';
    }
    case 'wasm': {
      const wasm = (await import('@tensorflow/tfjs-backend-wasm')) as { setWasmPaths(prefix: string): void };
      if (!inBrowser()) {
        // In Node the .wasm binaries sit next to the package's main file (dist/); a page
        // keeps tfjs' default (next to the script) or the path the app set with setWasmPaths.
        const { createRequire } = await import('node:module');
        const { dirname } = await import('node:path');
        const require = createRequire(import.meta.url);
        wasm.setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`);
      }
      if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not initialize');
      installWasmKernels();
      return 'wasm';
    }
    case 'webgl': {
      if (!(await tf.setBackend('webgl'))) throw new Error('the webgl backend did not initialize');
      return 'webgl';
    }
    case 'cpu': {
      if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend did not initialize');
      // The CPU backend greets Node users with an advert for tfjs-node on first use; seqnet already chose
      // its backend (and says which in `seqnetc --version`), so the greeting would only be noise on stderr.
      const cpu = tf.backend() as unknown as { firstUse?: boolean };
      if (typeof cpu.firstUse === 'boolean') cpu.firstUse = false;
      installCpuKernels();
      return 'cpu';
    }
  }
}

const ALL_CHOICES: readonly BackendChoice[] = [...new Set([...BACKEND_CHOICES, ...BROWSER_BACKEND_CHOICES])];

function parseChoice(value: string): BackendChoice {
  const v = value.trim().toLowerCase();
  if ((ALL_CHOICES as readonly string[]).includes(v)) return v as BackendChoice;
  throw new Error(`SEQNET_BACKEND=${value}: expected one of ${ALL_CHOICES.join(', ')}`);
}

function message(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n')[0]!;
}

export interface InitBackendOptions {
  /** Force a backend (as `SEQNET_BACKEND` does); the variable wins when both are set. */
  readonly backend?: BackendChoice;
  /** The environment to read `SEQNET_BACKEND` from (default `process.env`; none in a page). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Picks and initializes the backend; returns its seqnet name (`gpu`, `node`,
 * `wasm`, `cpu`, `webgl`). Call once before building models; calling again re-selects.
 */
export async function initBackend(opts: InitBackendOptions = {}): Promise<BackendChoice> {
  // A page has no `process`.
  const env = opts.env ?? (typeof process === 'undefined' ? {} : process.env);
  const raw = env['SEQNET_BACKEND'];
  const forced = raw !== undefined && raw !== '' ? parseChoice(raw) : opts.backend;
  if (forced !== undefined) {
    try {
      const tfBackend = await tryBackend(forced);
      current = { backend: forced, tfBackend, forced: true, skipped: [] };
      return forced;
    } catch (e) {
      throw new Error(`backend ${forced} was forced but cannot be used: ${message(e)}`);
    }
  }
  const skipped: BackendAttempt[] = [];
  for (const choice of inBrowser() ? BROWSER_BACKEND_CHOICES : BACKEND_CHOICES) {
    try {
      const tfBackend = await tryBackend(choice);
      current = { backend: choice, tfBackend, forced: false, skipped };
      return choice;
    } catch (e) {
      skipped.push({ backend: choice, error: message(e) });
    }
  }
  throw new Error(`no tfjs backend could be initialized: ${skipped.map((s) => `${s.backend}: ${s.error}`).join('; ')}`);
}

/** What `initBackend` chose, or undefined before it ran. */
export function backendInfo(): BackendInfo | undefined {
  return current;
}

/**
 * The backend in use, for `seqnetc --version`: the seqnet name when
 * `initBackend` ran, else tfjs' own backend name (after `tf.ready()`).
 */
export function backendName(): string {
  if (current !== undefined && tf.getBackend() === current.tfBackend) return current.backend;
  const name = tf.getBackend();
  return name === 'tensorflow' ? 'node' : name;
}
