/**
 * Safe JavaScript identifiers for value names. A `.seqnet` name may be any
 * identifier, including JavaScript's reserved words and names that mean
 * something to objects (`__proto__`, `constructor`); in generated code each
 * value gets a local that cannot clash, while strings keep the real name.
 */
const RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for function if ' +
    'import in instanceof new null return super switch this throw true try typeof var void while with yield let static ' +
    'implements interface package private protected public await async of arguments eval undefined NaN Infinity ' +
    'constructor prototype __proto__ then toString valueOf hasOwnProperty'
  ).split(' '),
);

export class LocalNames {
  private readonly used = new Set<string>();
  private readonly byName = new Map<string, string>();

  constructor(reserved: Iterable<string> = []) {
    for (const r of reserved) this.used.add(r);
  }

  /** The local for a value; stable per name. */
  local(name: string): string {
    const known = this.byName.get(name);
    if (known) return known;
    const candidate = this.fresh(name);
    this.byName.set(name, candidate);
    return candidate;
  }

  /** A new local from `base` (a class's export name may be a reserved word too: `export { Swish as class }`). */
  fresh(base: string): string {
    const safe = safeIdentifier(base);
    let candidate = safe;
    for (let k = 2; this.used.has(candidate); k++) candidate = `${safe}_${k}`;
    this.used.add(candidate);
    return candidate;
  }
}

function safeIdentifier(name: string): string {
  const base = /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : name.replace(/[^A-Za-z0-9_$]/g, '_');
  return RESERVED.has(base) || /^\d/.test(base) ? `${base}_` : base;
}

/** A string literal: JSON escaping covers quotes, backslashes, newlines and U+2028/9. */
export function str(s: string): string {
  return JSON.stringify(s).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** Text safe inside a `//` comment: one line, no block-comment terminator. */
export function commentText(s: string): string {
  return s.replace(/[\r\n\u2028\u2029]+/g, ' ').replace(/\*\//g, '* /');
}

/** An object literal whose keys cannot set a prototype or clash with methods. */
export function objectLiteral(entries: readonly [string, string][]): string {
  if (entries.length === 0) return '{}';
  return `{ ${entries.map(([k, v]) => `${k === '__proto__' ? `[${str(k)}]` : str(k)}: ${v}`).join(', ')} }`;
}

export function literal(v: unknown): string {
  if (typeof v === 'string') return str(v);
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v); // NaN, Infinity, -Infinity are reserved: no local shadows them
  if (typeof v === 'boolean') return String(v);
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (Array.isArray(v)) return `[${v.map(literal).join(', ')}]`;
  return objectLiteral(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, literal(x)]));
}
