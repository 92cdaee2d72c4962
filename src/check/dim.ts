/**
 * Symbolic dimensions in a canonical form, so that equal lengths compare
 * equal (`ceil(ceil(L / 2) / 2)` is `ceil(L / 4)`). A dim is an integer-linear
 * combination of atoms: variables (`B`, `T`, a mask's length `L`), `floor(x / n)`
 * and `max(0, x)`, with the arguments themselves canonical. `ceil(x / n)` is
 * `floor((x + n - 1) / n)` (and printed as ceil), nested divisions fold, common
 * factors cancel and `max(0, .)` moves out of divisions, so that window chains
 * that give one length for every input length get one form.
 */

export type Atom =
  | { readonly kind: 'var'; readonly name: string }
  /** floor(arg / den), with 0 <= arg.constant < den; printed as ceil when that reads better. */
  | { readonly kind: 'floor'; readonly arg: Dim; readonly den: number }
  | { readonly kind: 'max0'; readonly arg: Dim };

export class Dim {
  /** Terms sorted by atom key; coefficients never 0. */
  private constructor(
    readonly terms: ReadonlyArray<{ readonly atom: Atom; readonly coeff: number; readonly key: string }>,
    readonly constant: number,
  ) {}

  static of(n: number): Dim {
    return new Dim([], n);
  }

  static variable(name: string): Dim {
    return Dim.fromAtom({ kind: 'var', name });
  }

  private static fromAtom(atom: Atom): Dim {
    return new Dim([{ atom, coeff: 1, key: atomKey(atom) }], 0);
  }

  private static build(map: Map<string, { atom: Atom; coeff: number }>, constant: number): Dim {
    const terms = [...map.entries()]
      .filter(([, t]) => t.coeff !== 0)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, t]) => ({ atom: t.atom, coeff: t.coeff, key }));
    return new Dim(terms, constant);
  }

  get isConstant(): boolean {
    return this.terms.length === 0;
  }

  /** The integer value when the dim is constant. */
  get value(): number | undefined {
    return this.isConstant ? this.constant : undefined;
  }

  /** Canonical text; equal dims have equal keys. */
  get key(): string {
    return this.toString();
  }

  equals(other: Dim): boolean {
    return this.key === other.key;
  }

  add(other: Dim | number): Dim {
    const o = typeof other === 'number' ? Dim.of(other) : other;
    const map = new Map<string, { atom: Atom; coeff: number }>();
    for (const t of [...this.terms, ...o.terms]) {
      const cur = map.get(t.key);
      map.set(t.key, { atom: t.atom, coeff: (cur?.coeff ?? 0) + t.coeff });
    }
    return Dim.build(map, this.constant + o.constant);
  }

  scale(k: number): Dim {
    const map = new Map<string, { atom: Atom; coeff: number }>();
    for (const t of this.terms) map.set(t.key, { atom: t.atom, coeff: t.coeff * k });
    return Dim.build(map, this.constant * k);
  }

  sub(other: Dim | number): Dim {
    const o = typeof other === 'number' ? Dim.of(other) : other;
    return this.add(o.scale(-1));
  }

  /** Product; defined when one side is constant (dims are linear). */
  mul(other: Dim): Dim | undefined {
    if (other.isConstant) return this.scale(other.constant);
    if (this.isConstant) return other.scale(this.constant);
    return undefined;
  }

  /** ceil(x / n), kept as floor((x + n - 1) / n) so that ceil and floor forms of one length meet. */
  ceilDiv(n: number): Dim {
    return n === 1 ? this : this.add(n - 1).floorDiv(n);
  }

  floorDiv(n: number): Dim {
    if (n === 1) return this;
    if (this.isConstant) return Dim.of(Math.floor(this.constant / n));
    // Move whole multiples of n out: floor((n*q + r) / n) = q + floor(r / n) for integers.
    const outside = new Map<string, { atom: Atom; coeff: number }>();
    const inside = new Map<string, { atom: Atom; coeff: number }>();
    for (const t of this.terms) {
      if (t.coeff % n === 0) outside.set(t.key, { atom: t.atom, coeff: t.coeff / n });
      else inside.set(t.key, { atom: t.atom, coeff: t.coeff });
    }
    const rest = ((this.constant % n) + n) % n;
    const q = Dim.build(outside, (this.constant - rest) / n);
    const r = Dim.build(inside, rest);
    if (r.isConstant) return q; // 0 <= rest < n
    // A common factor cancels: floor((g*y + c) / (g*m)) = floor((y + floor(c / g)) / m).
    const g = r.terms.reduce((acc, t) => gcd(acc, Math.abs(t.coeff)), n);
    if (g > 1) {
      const map = new Map<string, { atom: Atom; coeff: number }>();
      for (const t of r.terms) map.set(t.key, { atom: t.atom, coeff: t.coeff / g });
      return q.add(Dim.build(map, Math.floor(rest / g)).floorDiv(n / g));
    }
    const only = r.terms.length === 1 && r.terms[0]!.coeff === 1 ? r.terms[0]!.atom : undefined;
    // Nested divisions fold: floor((floor(z / a) + c) / n) = floor((z + c*a) / (a*n)).
    if (only && only.kind === 'floor') return q.add(only.arg.add(rest * only.den).floorDiv(only.den * n));
    // max(0, .) moves out: floor((max(0, x) + c) / n) = max(0, floor((x + c) / n)) for 0 <= c < n.
    if (only && only.kind === 'max0') return q.add(only.arg.add(rest).floorDiv(n).max0());
    return q.add(Dim.fromAtom({ kind: 'floor', arg: r, den: n }));
  }

  /** max(0, x). */
  max0(): Dim {
    if (this.isConstant) return Dim.of(Math.max(0, this.constant));
    if (this.isNonNegative()) return this;
    // max(0, max(0, y) + c) = max(0, y + c) for c <= 0.
    const only = this.terms.length === 1 && this.terms[0]!.coeff === 1 ? this.terms[0]!.atom : undefined;
    if (only && only.kind === 'max0' && this.constant <= 0) return only.arg.add(this.constant).max0();
    return Dim.fromAtom({ kind: 'max0', arg: this });
  }

  /** True when the dim is provably >= 0 (atoms are non-negative when their arguments are). */
  isNonNegative(): boolean {
    if (this.constant < 0) return false;
    return this.terms.every((t) => t.coeff > 0 && atomNonNegative(t.atom));
  }

  /** Evaluate with concrete variable values. */
  evaluate(env: (name: string) => number): number {
    let v = this.constant;
    for (const t of this.terms) v += t.coeff * evalAtom(t.atom, env);
    return v;
  }

  /** Variables the dim mentions. */
  variables(out: Set<string> = new Set()): Set<string> {
    for (const t of this.terms) {
      if (t.atom.kind === 'var') out.add(t.atom.name);
      else t.atom.arg.variables(out);
    }
    return out;
  }

  /** Replace variables by dims. */
  substitute(f: (name: string) => Dim | undefined): Dim {
    let acc = Dim.of(this.constant);
    for (const t of this.terms) acc = acc.add(substAtom(t.atom, f).scale(t.coeff));
    return acc;
  }

  toString(): string {
    if (this.terms.length === 0) return String(this.constant);
    let s = '';
    for (const t of this.terms) {
      const text = atomText(t.atom);
      const mag = Math.abs(t.coeff);
      const body = mag === 1 ? text : `${mag} * ${text}`;
      if (s === '') s = t.coeff < 0 ? `-${body}` : body;
      else s += t.coeff < 0 ? ` - ${body}` : ` + ${body}`;
    }
    if (this.constant > 0) s += ` + ${this.constant}`;
    else if (this.constant < 0) s += ` - ${-this.constant}`;
    return s;
  }
}

function atomKey(a: Atom): string {
  return atomText(a);
}

function atomText(a: Atom): string {
  switch (a.kind) {
    case 'var':
      return a.name;
    case 'floor': {
      // floor((x + n - 1) / n) reads as ceil(x / n); floor((x + 0) / n) as floor(x / n).
      const c = a.arg.constant;
      const x = c === 0 || c === a.den - 1 ? a.arg.add(-c) : a.arg;
      const simple = x.terms.length === 1 && x.constant === 0 && x.terms[0]!.coeff === 1;
      const inner = simple ? x.toString() : `(${x.toString()})`;
      return `${c === a.den - 1 ? 'ceil' : 'floor'}(${inner} / ${a.den})`;
    }
    case 'max0':
      return `max(0, ${a.arg.toString()})`;
  }
}

function atomNonNegative(a: Atom): boolean {
  switch (a.kind) {
    case 'var':
      return true; // dims and lengths are counts
    case 'floor':
      return a.arg.isNonNegative();
    case 'max0':
      return true;
  }
}

function evalAtom(a: Atom, env: (name: string) => number): number {
  switch (a.kind) {
    case 'var':
      return env(a.name);
    case 'floor':
      return Math.floor(a.arg.evaluate(env) / a.den);
    case 'max0':
      return Math.max(0, a.arg.evaluate(env));
  }
}

function substAtom(a: Atom, f: (name: string) => Dim | undefined): Dim {
  switch (a.kind) {
    case 'var':
      return f(a.name) ?? Dim.variable(a.name);
    case 'floor':
      return a.arg.substitute(f).floorDiv(a.den);
    case 'max0':
      return a.arg.substitute(f).max0();
  }
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}
