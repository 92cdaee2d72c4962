import { describe, expect, test } from 'vitest';
import { parse } from '../../../src/syntax/parse.js';
import { printAst, printStmt } from '../../../src/syntax/print.js';
import { SourceFile } from '../../../src/diagnostics/span.js';
import { renderText } from '../../../src/diagnostics/render.js';
import type { CallExpr, Expr, FileAst, RExpr } from '../../../src/syntax/ast.js';
import { ALL_SAMPLES, LAYERS, MODELS, TAGGER } from './samples.js';
import { dedent, diagnosticLines, diagnosticProblems, spannedNodes, spanProblems } from './helpers.js';

function run(src: string): { file: SourceFile; ast: FileAst; diagnostics: ReturnType<typeof parse>['diagnostics'] } {
  const file = new SourceFile('t.seqnet', src);
  return { file, ...parse(file) };
}

/** The printed AST, then one line per diagnostic ("! line:col CODE message"). */
function check(input: string, expected: string): void {
  const r = run(input);
  const out = [printAst(r.ast), ...diagnosticLines(r.file, r.diagnostics)].filter(Boolean).join('\n');
  expect(out).toBe(dedent(expected));
  expect(spanProblems(r.file, r.ast)).toEqual([]);
}

/** Like `check` for statements of one model: `body` is wrapped in `model M { ... }`, lines count from the body's first. */
function checkBody(body: string, expected: string): void {
  const r = run(`model M {\n${body}\n}\n`);
  const stmts = r.ast.models[0]?.stmts.map((s) => `${printStmt(s)};`) ?? ['(no model)'];
  const out = [...stmts, ...diagnosticLines(r.file, r.diagnostics, 1)].join('\n');
  expect(out).toBe(dedent(expected));
  expect(spanProblems(r.file, r.ast)).toEqual([]);
}

/** Source text of each spanned node, as "Label: text". */
function spans(src: string): string[] {
  const r = run(src);
  expect(r.diagnostics).toEqual([]);
  return spannedNodes(r.ast)
    .filter((v) => v.label !== 'File')
    .map((v) => `${v.label}: ${src.slice(v.span.start, v.span.end)}`);
}

// ---------------------------------------------------------------- lexing

describe('lexing', () => {
  test.each([
    ['line and block comments, anywhere', 'model /* a */ M // b\n{ /* c\n d */ output /**/ x; } // end', 'model M {\n  output x;\n}'],
    ['a block comment ends at the first */', 'model M { /* a /* b */ output x; }', 'model M {\n  output x;\n}'],
    ['numbers: integer, decimal, exponent, signs', 'model M { h = f(x, a: 40, b: 0.5, c: -1e-3, d: 1E+5, e: 2e3, f: - 7); }', 'model M {\n  h = f(x, a: 40, b: 0.5, c: -1e-3, d: 1E+5, e: 2e3, f: -7);\n}'],
    ['strings with \\" and \\\\ (other backslashes kept)', String.raw`model M { h = f(x, s: "a\"b\\c\n", t: ""); }`, String.raw`model M {
  h = f(x, s: "a\"b\\c\\n", t: "");
}`],
    ['identifiers may contain digits and _, and may extend a keyword', 'model _m1 { input f32x: f32[B_2, T, 3]; output f32x, modelx, by_; }', 'model _m1 {\n  input f32x: f32[B_2, T, 3];\n  output f32x, modelx, by_;\n}'],
    ['whitespace: tabs, CRLF, form feed, BOM', '\uFEFFmodel\tM\r\n{\f output x;\r\n}', 'model M {\n  output x;\n}'],
  ])('%s', (_name, input, expected) => check(input, expected));

  test('the number of `T - 4` and `-1e-3` are separate from the minus', () => {
    check('layer f() -> f32[T - 4] { a: -1e-3; b: T-4; }', `
      layer f() -> f32[(T - 4)] {
        a: (-0.001);
        b: (T - 4);
      }`);
  });

  test('every keyword is reserved', () => {
    const keywords = 'model input target output loss layer masked by padded post pre zeros value lengths true false f32 i32 bool'.split(' ');
    for (const k of keywords) {
      const r = run(`model M { ${k} = f(x); }`);
      expect(r.diagnostics.map((d) => d.code), k).toContain('SN0103');
    }
  });
});

// ---------------------------------------------------------------- models

describe('models', () => {
  test('LANGUAGE.md section 1', () => {
    check(TAGGER, `
      model Tagger {
        input x: f32[B, T, 40] masked by zeros, padded post;
        target y: i32[B, T];
        h = pipe:relu(pipe:batchnorm(pipe:conv1d(x, filters: 64, kernel: 5)));
        r = gru(h, units: 128);
        logits = dense(r, units: 10);
        output logits;
        loss crossentropy(logits, y, from_logits: true);
      }`);
  });

  test.each([
    ['input without a mask', 'input x: f32[B, T, 40];', 'input x: f32[B, T, 40];'],
    ['masked by zeros, no layout', 'input x: f32[B, T, 4] masked by zeros;', 'input x: f32[B, T, 4] masked by zeros;'],
    ['masked by value, negative', 'input x: f32[B, T, 4] masked by value(-1.5), padded pre;', 'input x: f32[B, T, 4] masked by value(-1.5), padded pre;'],
    ['masked by value', 'input x: i32[B, T] masked by value(0);', 'input x: i32[B, T] masked by value(0);'],
    ['masked by lengths', 'input x: f32[B, T, 4] masked by lengths(n), padded post;', 'input x: f32[B, T, 4] masked by lengths(n), padded post;'],
    ['masked by a mask input', 'input x: f32[B, T, 4] masked by m;', 'input x: f32[B, T, 4] masked by m;'],
    ['bool and i32 types, one dim', 'input m: bool[B, T]; input n: i32[B];', 'input m: bool[B, T];\ninput n: i32[B];'],
    ['target', 'target y: i32[B, T];', 'target y: i32[B, T];'],
    ['output of several names', 'output a, b, c;', 'output a, b, c;'],
    ['binding to a name', 'h = x;', 'h = x;'],
    ['call without arguments', 'h = f();', 'h = f();'],
    ['named arguments of every literal kind', 'h = f(x, a: 1, b: -2.5, c: "s", d: true, e: false, g: same, i: f32, j: bool);', 'h = f(x, a: 1, b: -2.5, c: "s", d: true, e: false, g: same, i: f32, j: bool);'],
    ['tensor args first, then named (order kept in each)', 'h = f(a, b, n: 1, m: 2);', 'h = f(a, b, n: 1, m: 2);'],
    ['a named argument before a tensor one parses (the checker objects)', 'h = f(n: 1, a);', 'h = f(a, n: 1);'],
    ['pipe: the value is the first argument', 'h = x |> f(p: 1);', 'h = pipe:f(x, p: 1);'],
    ['pipe into a call with tensor args', 'h = x |> concat(y);', 'h = pipe:concat(x, y);'],
    ['pipes chain left to right', 'h = x |> f() |> g(k: 2) |> h();', 'h = pipe:h(pipe:g(pipe:f(x), k: 2));'],
    ['plus is add, left-associative', 'h = a + b + c;', 'h = plus:add(plus:add(a, b), c);'],
    ['plus binds tighter than pipe', 'h = a + b |> f();', 'h = pipe:f(plus:add(a, b));'],
    ['parentheses', 'h = a + (b |> f()) + (c);', 'h = plus:add(plus:add(a, pipe:f(b)), c);'],
    ['a pipe inside arguments', 'h = add(a |> f(), b + c, k: 1);', 'h = add(pipe:f(a), plus:add(b, c), k: 1);'],
    ['loss', 'loss mse(p, y, weight: 0.5);', 'loss mse(p, y, weight: 0.5);'],
    ['loss with a pipe inside', 'loss mse(x |> dense(units: 1), y);', 'loss mse(pipe:dense(x, units: 1), y);'],
  ])('%s', (_name, body, expected) => checkBody(body, expected));

  test('several models, and an empty one', () => {
    check('model A { output x; }\nmodel B {}\nmodel C { input x: f32[B, 1]; }', `
      model A {
        output x;
      }
      model B {
      }
      model C {
        input x: f32[B, 1];
      }`);
  });

  test('an empty file and a file of comments have no declarations and no syntax errors', () => {
    for (const src of ['', '  \n\t', '// nothing\n/* at all */']) {
      const r = run(src);
      expect(r.ast).toEqual({ kind: 'File', models: [], layers: [], span: { start: 0, end: src.length } });
      expect(r.diagnostics).toEqual([]);
    }
  });

  test('sample with every model construct', () => {
    check(MODELS, `
      model Both {
        input a: f32[B, T, 8] masked by value(-1), padded pre;
        input lens: i32[B];
        input b: f32[B, T, 8] masked by lengths(lens);
        input c: f32[B, T, 8] masked by m;
        input m: bool[B, T];
        target t: f32[B, 4];
        s = plus:add(plus:add(a, b), c);
        p = pipe:layernorm(plus:add(pipe:dense(s, units: 8), a), epsilon: 1e-3);
        q = concat(p, s, note: "a \\"quoted\\" \\\\ string", enabled: false, to: i32, mode: same);
        output q, p;
        loss mse(pipe:dense(pipe:global_avgpool(q), units: 4), t, weight: 0.5);
        loss mae(pipe:dense(global_avgpool(q), units: 4), t, weight: -2);
      }
      model Small {
        input x: f32[B, 3];
        output x;
      }`);
  });

  test('literal and mask values', () => {
    const r = run('model M { input x: f32[B, 2] masked by value(-2.5); h = f(x, a: -1e-3, b: "q\\"", c: true, d: same, e: i32); }');
    const input = r.ast.models[0]!.stmts[0]!;
    expect(input.kind === 'Input' && input.mask?.source).toMatchObject({ kind: 'value', value: -2.5 });
    const h = r.ast.models[0]!.stmts[1]!;
    const named = h.kind === 'Binding' && h.value.kind === 'Call' ? h.value.named.map((n) => n.value) : [];
    expect(named.map(({ span: _s, ...rest }) => rest)).toEqual([
      { kind: 'Number', value: -0.001, text: '-1e-3' },
      { kind: 'String', value: 'q"' },
      { kind: 'Bool', value: true },
      { kind: 'Word', value: 'same' },
      { kind: 'Word', value: 'i32' },
    ]);
  });
});

// ---------------------------------------------------------------- layer declarations

describe('layer declarations', () => {
  test('the declarations of the brief, LANGUAGE.md section 5, and more', () => {
    check(LAYERS, `
      layer conv1d(x: f32[B, T, C], filters: int, kernel: int, stride: int = 1, dilation: int = 1, padding: enum(same | valid | causal) = same, bias: bool = true, activation: enum(none | relu | tanh) = none) -> f32[B, T', filters] {
        time: window(size: kernel, stride: stride, dilation: dilation, mode: padding);
        needs: zeros;
        pads: (((kernel == 1) && (!bias)) ? pads_of(activation) : any);
        uses_mask: false;
      }
      layer gru(x: f32[B, T, C], units: int, sequences: bool = true, direction: enum(forward | backward | both) = forward) -> (sequences ? f32[B, T, ((direction == both) ? (2 * units) : units)] : f32[B, ((direction == both) ? (2 * units) : units)]) {
        time: (sequences ? recurrent(direction: direction) : reduce);
        pads: zeros;
        uses_mask: true;
      }
      layer cast(x: D[B, ..., C], to: enum(f32 | i32)) -> to[B, ..., C] {
        time: pointwise;
        pads: keeps_zeros;
      }
      layer crossentropy(logits: f32[B, ..., C], target: i32[B, ...] | f32[B, ..., C], from_logits: bool = true, weight: float = 1, reduction: enum(mean | sum) = mean) -> f32[] {
        time: reduce;
        uses_mask: true;
      }
      layer maxpool1d(x: f32[B, T, C], size: int, stride: int = size, padding: enum(valid | same) = valid) -> f32[B, T', C] {
        time: window(size: size, stride: stride, mode: padding);
        needs: zeros;
        pads: any;
      }
      layer concat(a: f32[B, ..., C1], b: f32[B, ..., C2]) -> f32[B, ..., (C1 + C2)] {
        time: pointwise;
        pads: keeps_zeros;
      }
      layer swish(x: f32[B, T, C]) -> f32[B, T, C] {
        time: pointwise;
        pads: keeps_zeros;
        impl: "./swish.js#Swish";
      }
      layer add(a: f32[B, ..., C], b: f32[B, ..., C]) -> f32[B, ..., C] {
        time: pointwise;
        pads: (((pads_of(a) == zeros) && (pads_of(b) == zeros)) ? keeps_zeros : any);
      }
      layer halve(x: f32[B, T, C], leak: float = (-0.5)) -> f32[B, T', C] {
        time: window(size: 2, stride: 2, mode: valid);
        needs: zeros;
        pads: (((!(leak != 0)) || (leak >= (1 % 3))) ? keeps_zeros : any);
        out_len: (ceil((T / 2)) - ((T - 1) * (-1)));
      }`);
  });

  const rule = (value: string): string => `layer f() -> f32[] { r: ${value}; }`;
  const printedRule = (value: string): string => `layer f() -> f32[] {\n  r: ${value};\n}`;

  test.each([
    ['precedence: * over +, + over comparison', '1 + 2 * 3 == 7', '((1 + (2 * 3)) == 7)'],
    ['left-associative arithmetic', '8 - 4 - 2 / 2 % 3', '((8 - 4) - ((2 / 2) % 3))'],
    ['&& over ||', 'a || b && c || d', '((a || (b && c)) || d)'],
    ['! over comparison operands', '!a == b', '(!(a == b))'],
    ['! applies to a whole comparison, repeated', '!!a', '(!(!a))'],
    ['every comparison', 'a != b && a < b && a <= b && a > b && a >= b', '(((((a != b) && (a < b)) && (a <= b)) && (a > b)) && (a >= b))'],
    ['unary minus binds tightest', '-a * -(b + 1)', '((-a) * (-(b + 1)))'],
    ['conditional is right-nested', 'a ? b : c ? d : e', '(a ? b : (c ? d : e))'],
    ['conditional in a condition needs parentheses', '(a ? b : c) ? d : e', '((a ? b : c) ? d : e)'],
    ['keyword words', 'zeros || post || pre || value || lengths || f32 || i32 || bool || target || input', '(((((((((zeros || post) || pre) || value) || lengths) || f32) || i32) || bool) || target) || input)'],
    ['literals', '"s" == true || false', '(("s" == true) || false)'],
    ['primes', "T' + T", "(T' + T)"],
    ['calls: positional, named, none', 'f(a, b: 1 + 2, c: g()) + h()', '(f(a, b: (1 + 2), c: g()) + h())'],
    ['tensor types as values', 'c ? f32[B, T\', 2 * u] : to[]', "(c ? f32[B, T', (2 * u)] : to[])"],
    ['a ternary inside a named argument', 'f(k: a ? b : c)', 'f(k: (a ? b : c))'],
  ])('rule expressions: %s', (_name, value, printed) => check(rule(value), printedRule(printed)));

  test.each([
    ['one tensor type', 'x: f32[B, T, C]', 'x: f32[B, T, C]'],
    ['alternative tensor types, a dtype variable', 'y: i32[B, ...] | D[B, ..., C]', 'y: i32[B, ...] | D[B, ..., C]'],
    ['scalar types', 'a: int, b: float, c: string, d: bool', 'a: int, b: float, c: string, d: bool'],
    ['enums, of names or dtypes', 'e: same | valid, f: f32 | i32, g: only', 'e: enum(same | valid), f: enum(f32 | i32), g: enum(only)'],
    ['scalar names inside an enum are members', 'h: int | float', 'h: enum(int | float)'],
    ['defaults: literals, words, other parameters, expressions', 's: int = size, t: float = -0.5, u: string = "n", v: a | b = b, w: int = 2 * s', 's: int = size, t: float = (-0.5), u: string = "n", v: enum(a | b) = b, w: int = (2 * s)'],
    ['keywords as parameter names', 'target: f32[B], value: float, input: f32[B]', 'target: f32[B], value: float, input: f32[B]'],
  ])('parameters: %s', (_name, params, printed) =>
    check(`layer f(${params}) -> f32[] {}`, `layer f(${printed}) -> f32[] {\n}`),
  );

  test('no parameters, no rules, and a conditional output type', () => {
    check('layer nothing() -> c ? f32[B] : i32[B] { }', 'layer nothing() -> (c ? f32[B] : i32[B]) {\n}');
  });

  test('models and layers may be mixed in one file', () => {
    const r = run(`layer a() -> f32[] {}\nmodel M { output x; }\nlayer b() -> f32[] {}`);
    expect(r.ast.models.map((m) => m.name.name)).toEqual(['M']);
    expect(r.ast.layers.map((l) => l.name.name)).toEqual(['a', 'b']);
    expect(r.diagnostics).toEqual([]);
  });
});

// ---------------------------------------------------------------- spans

describe('spans', () => {
  test('each node covers exactly its source text', () => {
    expect(spans('model M {\n  h = a + b |> f(p: -1e-3) ;\n}')).toEqual([
      'Model: model M {\n  h = a + b |> f(p: -1e-3) ;\n}',
      'name: M',
      'Binding: h = a + b |> f(p: -1e-3) ;',
      'name: h',
      'Call: a + b |> f(p: -1e-3)',
      'callee: f',
      'Call: a + b',
      'callee: +',
      'Name: a',
      'Name: b',
      'named: p: -1e-3',
      'name: p',
      'Number: -1e-3',
    ]);
  });

  test('input, mask clause, layout, types and dims', () => {
    expect(spans('model M { input x: f32[B, 40] masked by lengths(n), padded  post; output x, y; loss l(x); }')).toEqual([
      'Model: model M { input x: f32[B, 40] masked by lengths(n), padded  post; output x, y; loss l(x); }',
      'name: M',
      'Input: input x: f32[B, 40] masked by lengths(n), padded  post;',
      'name: x',
      'TensorType: f32[B, 40]',
      'dtype: f32',
      'Ref: B',
      'Num: 40',
      'mask: masked by lengths(n), padded  post',
      'lengths: lengths(n)',
      'input: n',
      'layout: padded  post',
      'Output: output x, y;',
      'names: x',
      'names: y',
      'Loss: loss l(x);',
      'Call: l(x)',
      'callee: l',
      'Name: x',
    ]);
  });

  test('parentheses are inside the parent node, not the inner one', () => {
    expect(spans('model M { h = (a) + ( b |> f() ); }').slice(2)).toEqual([
      'Binding: h = (a) + ( b |> f() );',
      'name: h',
      'Call: (a) + ( b |> f() )',
      'callee: +',
      'Name: a',
      'Call: b |> f()',
      'callee: f',
      'Name: b',
    ]);
  });

  test('layer declaration nodes', () => {
    expect(spans("layer f(x: D[B, ..., T] | f32[], k: a | b = a) -> (k) * 2 ? T' : g(n: 1) { time: -(x); }")).toEqual([
      "LayerDecl: layer f(x: D[B, ..., T] | f32[], k: a | b = a) -> (k) * 2 ? T' : g(n: 1) { time: -(x); }",
      'name: f',
      'params: x: D[B, ..., T] | f32[]',
      'name: x',
      'tensor: D[B, ..., T] | f32[]',
      'TensorType: D[B, ..., T]',
      'dtype: D',
      'Ref: B',
      'Ellipsis: ...',
      'Ref: T',
      'TensorType: f32[]',
      'dtype: f32',
      'params: k: a | b = a',
      'name: k',
      'enum: a | b',
      'members: a',
      'members: b',
      'Ref: a',
      "Cond: (k) * 2 ? T' : g(n: 1)",
      'Binary: (k) * 2',
      'Ref: k',
      'Num: 2',
      "Ref: T'",
      'RCall: g(n: 1)',
      'callee: g',
      'args: n: 1',
      'name: n',
      'Num: 1',
      'rules: time: -(x);',
      'key: time',
      'Unary: -(x)',
      'Ref: x',
    ]);
  });

  test.each(Object.entries(ALL_SAMPLES))('every span of sample %s lies in its parent, without blanks around', (_name, src) => {
    const r = run(src);
    expect(r.diagnostics).toEqual([]);
    expect(spanProblems(r.file, r.ast)).toEqual([]);
  });

  test('offsets are UTF-16 code units', () => {
    const src = '/* 😀 é */ model M { output x; }';
    const r = run(src);
    const m = r.ast.models[0]!;
    expect(src.slice(m.span.start, m.span.end)).toBe('model M { output x; }');
    expect(m.span.start).toBe(11);
  });
});

// ---------------------------------------------------------------- errors

describe('diagnostics', () => {
  test.each([
    ['SN0101 unexpected character', 'h = x |> @relu();', 'h = pipe:relu(x);\n! 1:10 SN0101 unexpected character `@`'],
    ['SN0101 a run of them is one diagnostic', 'h = relu(x) #$;', 'h = relu(x);\n! 1:13 SN0101 unexpected characters `#$`'],
    ['SN0101 non-ASCII', 'hé = relu(x);', 'h = relu(x);\n! 1:2 SN0101 unexpected character `é`'],
    ['SN0101 a lone dot', 'h = x.y;', 'h = x;\n! 1:6 SN0101 unexpected character `.`'],
    ['SN0102 unterminated string: it ends before the punctuation ending its line', 'h = f(x, s: "abc);\noutput h;', 'h = f(x, s: "abc");\noutput h;\n! 1:13 SN0102 unterminated string: no closing `"` on this line'],
    ['SN0101 the rest of the line after one is not reported again', 'h = relu(x);   # the encoder\noutput h;', 'h = relu(x);\noutput h;\n! 1:16 SN0101 unexpected character `#`'],
    ['SN0102 an unterminated string keeps a trailing backslash escape', 'h = f(x, s: "a\\;\n);', 'h = f(x, s: "a\\\\;");\n! 1:13 SN0102 unterminated string: no closing `"` on this line'],
    ['SN0102 a lone quote', 'h = f(x, s: ");', 'h = f(x, s: "");\n! 1:13 SN0102 unterminated string: no closing `"` on this line'],
    ['SN0102 unterminated comment', 'output h; /* no end', 'output h;\n! 1:11 SN0102 unterminated comment: `/*` has no matching `*/`'],
    ['SN0104 invalid numbers (the value goes on as its valid prefix)', 'h = f(x, a: 12abc, b: 1.2.3, c: 1., d: 0x1f, e: 1e, f: 2);', 'h = f(x, a: 12, b: 1.2, c: 1, d: 0, e: 1, f: 2);\n! 1:13 SN0104 invalid number `12abc` (help: numbers are written like `40`, `0.5` or `1e-3`)\n! 1:23 SN0104 invalid number `1.2.3` (help: numbers are written like `40`, `0.5` or `1e-3`)\n! 1:33 SN0104 invalid number `1.` (help: numbers are written like `40`, `0.5` or `1e-3`)\n! 1:40 SN0104 invalid number `0x1f` (help: numbers are written like `40`, `0.5` or `1e-3`)\n! 1:49 SN0104 invalid number `1e` (help: numbers are written like `40`, `0.5` or `1e-3`)'],
    ['SN0104 too large', 'h = f(x, a: 1e400);', 'h = f(x);\n! 1:13 SN0104 number `1e400` is too large'],
    ['SN0103 missing `;` is reported at the end of its line', 'input x: f32[B, 1]\ntarget y: f32[B, 1];', 'input x: f32[B, 1];\ntarget y: f32[B, 1];\n! 1:19 SN0103 expected `;`, found `target`'],
    ['SN0103 missing `;` before a binding', 'h = f(x)\nr = g(h);', 'h = f(x);\nr = g(h);\n! 1:9 SN0103 expected `;`, found `r`'],
    ['SN0103 missing `;` before `}`', 'h = f(x)', 'h = f(x);\n! 1:9 SN0103 expected `;`, found `}`'],
    ['SN0103 a missing `,` in arguments is assumed', 'o = dense(r units: 10);', 'o = dense(r, units: 10);\n! 1:13 SN0103 expected `,` or `)`, found `units`'],
    ['SN0103 a missing `,` in a model type is assumed', 'input x: f32[B T 4];', 'input x: f32[B, T, 4];\n! 1:16 SN0103 expected `,` or `]`, found `T`\n! 1:18 SN0103 expected `,` or `]`, found `4`'],
    ['SN0103 a token that cannot start an argument is skipped, not taken for one', 'h = f(x zeros, y);', 'h = f(x, y);\n! 1:9 SN0103 expected `,` or `)`, found `zeros`'],
    ['SN0103 a missing `)`', 'h = g(f(x);\nr = h;', 'h = g(f(x));\nr = h;\n! 1:11 SN0103 expected `,` or `)`, found `;`'],
    ['SN0103 pipe into a bare name', 'z = x |> y;', 'z = x;\n! 1:11 SN0103 expected `(`, found `;`'],
    ['SN0103 pipe into a name inside arguments', 'h = f(x |> g);', 'h = f(x);\n! 1:13 SN0103 expected `(`, found `)`'],
    ['SN0103 a loss is one call', 'loss f(h) |> g();', 'loss f(h);\n! 1:11 SN0103 expected `;`, found `|>`'],
    ['SN0103 an empty value', 'h = ;', '! 1:5 SN0103 expected identifier or `(`, found `;`'],
    ['SN0103 a named argument with no value', 'h = f(x, units: );', 'h = f(x);\n! 1:17 SN0103 expected a value (a number, string, `true`, `false`, name or dtype), found `)`'],
    ['SN0103 a named argument is a literal, not an expression', 'h = f(x, n: g(y));', 'h = f(x, n: g);\n! 1:14 SN0103 expected `,` or `)`, found `(`'],
    ['SN0103 a keyword as a name', 'input input: f32[B];', '! 1:7 SN0103 expected identifier, found `input` (help: `input` is a keyword and cannot be used as a name)'],
    ['SN0103 a keyword as a binding', 'zeros = f(x);', '! 1:1 SN0103 expected a statement (`input`, `target`, `output`, `loss` or `name = ...`) or `}`, found `zeros`'],
    ['SN0103 an unknown dtype', 'input x: f64[B];', '! 1:10 SN0103 expected dtype, found `f64` (help: the dtypes are `f32`, `i32` and `bool`)'],
    ['SN0103 a fractional dim', 'input x: f32[B, 1.5];', '! 1:17 SN0103 expected a dimension (a name or a whole number), found `1.5`'],
    ['SN0103 an empty model type', 'input x: f32[];', '! 1:14 SN0103 expected a dimension (a name or a whole number), found `]`'],
    ['SN0103 a bad mask source', 'input x: f32[B] masked by 3;', 'input x: f32[B];\n! 1:27 SN0103 expected `zeros`, `value(...)`, `lengths(...)` or the name of a mask input, found `3`'],
    ['SN0103 `masked` without `by`', 'input x: f32[B] masked zeros;', 'input x: f32[B] masked by zeros;\n! 1:24 SN0103 expected `by`, found `zeros`'],
    ['SN0103 `padded` without `,`', 'input x: f32[B] masked by zeros padded post;', 'input x: f32[B] masked by zeros, padded post;\n! 1:33 SN0103 expected `,` before `padded` (help: write `masked by zeros, padded post`)'],
    ['SN0103 a bad layout', 'input x: f32[B] masked by zeros, padded left;', 'input x: f32[B] masked by zeros;\n! 1:41 SN0103 expected `post` or `pre`, found `left`'],
    ['SN0103 stray tokens between statements', 'output x;\n42 "s"\noutput y;', 'output x;\noutput y;\n! 2:1 SN0103 expected a statement (`input`, `target`, `output`, `loss` or `name = ...`) or `}`, found `42`'],
    ['SN0103 an output list that ends without `;`', 'output a, b', 'output a, b;\n! 1:12 SN0103 expected `;` or `,`, found `}`'],
    ['SN0103 a `;` missing after an output name', 'output a b;', 'output a;\n! 1:10 SN0103 expected `;` or `,`, found `b`'],
    ['SN0103 a trailing comma in output', 'output a, ;', 'output a;\n! 1:11 SN0103 expected identifier, found `;`'],
  ])('%s', (_name, body, expected) => checkBody(body, expected));

  test.each([
    ['an empty rule value', 'layer f(x: f32[B]) -> f32[B] { time: ; pads: zeros; }', 'layer f(x: f32[B]) -> f32[B] {\n  pads: zeros;\n}\n! 1:38 SN0103 expected an expression, found `;`'],
    ['a rule without `:`', 'layer f(x: f32[B]) -> f32[B] { time pointwise; pads: zeros; }', 'layer f(x: f32[B]) -> f32[B] {\n  pads: zeros;\n}\n! 1:37 SN0103 expected `:`, found `pointwise`'],
    ['a rule without `;`', 'layer f(x: f32[B]) -> f32[B] { time: pointwise pads: zeros; }', 'layer f(x: f32[B]) -> f32[B] {\n  time: pointwise;\n  pads: zeros;\n}\n! 1:48 SN0103 expected `;`, found `pads`'],
    ['a rule without `;` after a model ending in `output`', 'model M { output y; }\nlayer f(x: f32[B]) -> f32[B] { time: pointwise pads: zeros; }', 'model M {\n  output y;\n}\nlayer f(x: f32[B]) -> f32[B] {\n  time: pointwise;\n  pads: zeros;\n}\n! 2:48 SN0103 expected `;`, found `pads`'],
    ['a parameter without a type', 'layer f(x: f32[B], y: ) -> f32[B] {}', 'layer f(x: f32[B]) -> f32[B] {\n}\n! 1:23 SN0103 expected a parameter type (a tensor type, `int`, `float`, `string`, `bool` or enum members), found `)`'],
    ['tensor types mixed with enum members', 'layer f(k: f32[B] | same) -> f32[B] {}', 'layer f() -> f32[B] {\n}\n! 1:12 SN0103 a parameter type is either tensor types or enum members, not both (help: write tensor alternatives like `i32[B, T] | f32[B, T, C]`, or an enum like `same | valid`)'],
    ['a missing `,` between parameters is assumed', 'layer f(x: f32[B] target: f32[B]) -> f32[B] {}', 'layer f(x: f32[B], target: f32[B]) -> f32[B] {\n}\n! 1:19 SN0103 expected `,` or `)`, found `target`'],
    ['a missing `,` in rule arguments and dims is assumed', "layer f() -> f32[B T'] { time: window(size: 2 stride: 1); }", "layer f() -> f32[B, T'] {\n  time: window(size: 2, stride: 1);\n}\n! 1:20 SN0103 expected `,` or `]`, found `T`\n! 1:47 SN0103 expected `,` or `)`, found `stride`"],
    ['an unterminated impl string ends before its `;`', 'layer f() -> f32[] {\n  impl: "./a.js#A;\n}', 'layer f() -> f32[] {\n  impl: "./a.js#A";\n}\n! 2:9 SN0102 unterminated string: no closing `"` on this line'],
    ['a missing `->`', 'layer f() f32[B] {}', 'layer f() -> f32[B] {\n}\n! 1:11 SN0103 expected `->`, found `f32`'],
    ['a missing output type', 'layer f() -> { time: pointwise; }', '! 1:14 SN0103 expected an expression, found `{`'],
    ['a primed call', "layer f() -> f32[T'(x)] {}", "! 1:19 SN0103 a call cannot be primed: `'` marks a dimension the `time` rule computes, like `T'`"],
    ['chained comparisons', 'layer f() -> f32[] { a: 1 < 2 < 3; }', 'layer f() -> f32[] {\n  a: (1 < 2);\n}\n! 1:31 SN0103 expected `;`, found `<`'],
    ['a rule key must be a name', 'layer f() -> f32[] { pads: zeros; 3: x; }', 'layer f() -> f32[] {\n  pads: zeros;\n}\n! 1:35 SN0103 expected a rule (`name: value;`) or `}`, found `3`'],
    ['junk at the top level', 'junk here\nmodel N { output a; }', 'model N {\n  output a;\n}\n! 1:1 SN0103 expected `model` or `layer`, found `junk`'],
    ['an unclosed model', 'model M {', 'model M {\n}\n! 1:10 SN0103 expected `}`, found end of file'],
    ['a model without a name is dropped', 'model { output x; }', '! 1:7 SN0103 expected identifier, found `{`'],
    ['an unclosed model before the next', 'model M { output x;\nmodel N { output y; }', 'model M {\n  output x;\n}\nmodel N {\n  output y;\n}\n! 1:20 SN0103 expected `}`, found `model`'],
  ])('%s', (_name, input, expected) => check(input, expected));

  test('two independent errors in one model are both reported, each on its line', () => {
    const src = [
      'model M {',
      '  input x: f32[B, T, 40];',
      '  h = x |> conv1d(filters: 64 kernel: 5);',
      '  r = gru(h, units: 128);',
      '  a = dense(r, units: 10);',
      '  b = a |> relu();',
      '  c = a + b;',
      '  o = dense(c, units: );',
      '  output o;',
      '  loss mse(o, y);',
      '}',
    ].join('\n');
    const r = run(src);
    expect(diagnosticLines(r.file, r.diagnostics)).toEqual([
      '! 3:31 SN0103 expected `,` or `)`, found `kernel`',
      '! 8:23 SN0103 expected a value (a number, string, `true`, `false`, name or dtype), found `)`',
    ]);
    // The statements around and between the errors survive.
    expect(r.ast.models[0]!.stmts.map((s) => printStmt(s))).toEqual([
      'input x: f32[B, T, 40]',
      'h = pipe:conv1d(x, filters: 64, kernel: 5)',
      'r = gru(h, units: 128)',
      'a = dense(r, units: 10)',
      'b = pipe:relu(a)',
      'c = plus:add(a, b)',
      'o = dense(c)',
      'output o',
      'loss mse(o, y)',
    ]);
  });

  test('errors in two declarations are both reported', () => {
    const r = run('model A {\n  h = ;\n}\nlayer f(x: f32[B]) -> f32[B] {\n  time: ;\n}\nmodel C { output z; }\n');
    expect(diagnosticLines(r.file, r.diagnostics)).toEqual([
      '! 2:7 SN0103 expected identifier or `(`, found `;`',
      '! 5:9 SN0103 expected an expression, found `;`',
    ]);
    expect(printAst(r.ast)).toBe('model A {\n}\nmodel C {\n  output z;\n}\nlayer f(x: f32[B]) -> f32[B] {\n}');
  });

  test('a diagnostic renders with its source line', () => {
    const r = run('model M {\n  h = x |> y;\n}');
    expect(r.diagnostics).toHaveLength(1);
    const lines = renderText(r.diagnostics[0]!).split('\n');
    expect(lines[0]).toBe('t.seqnet:2:13: error SN0103: expected `(`, found `;`');
    expect(lines[1]).toMatch(/ 2 \|   h = x \|> y;$/);
  });

  test.each([
    ['deep parentheses', `model M { h = ${'('.repeat(5000)}x${')'.repeat(5000)}; }`, /nested more than 200 deep/],
    ['deep unary operators', `layer f() -> f32[] { a: ${'!'.repeat(20000)}x; }`, /./],
    ['a long chain of pipes', `model M { h = x${' |> f()'.repeat(5000)}; }`, null],
    ['only garbage', '}}}{{{)))(((;;;,,,', /./],
    ['control characters', '\u0000\u0001model\u0007 M { }', /SN0101/],
    ['a lone surrogate', 'model M { h = \uD800; }', /unexpected character/],
    ['an astral character', 'model M { h = 😀; }', /unexpected character `😀`/],
  ])('never throws: %s', (_name, src, expected) => {
    const r = run(src);
    const messages = r.diagnostics.map((d) => `${d.code} ${d.message}`).join('\n');
    if (expected) expect(messages).toMatch(expected);
    else expect(messages).toBe('');
    expect(diagnosticProblems(r.file, r.diagnostics)).toEqual([]);
    expect(spanProblems(r.file, r.ast)).toEqual([]);
  });

  test('no state leaks from one parse to the next, even after a failure', () => {
    const first = run(MODELS + LAYERS);
    run(`layer f() -> f32[] { a: ${'!'.repeat(20000)}x; }`);
    run('layer f(x: f32[B] y: int) -> f32[B] { time pointwise; }\nmodel M { h = f(a b c); }');
    const again = run(MODELS + LAYERS);
    expect(again.diagnostics).toEqual([]);
    expect(printAst(again.ast)).toBe(printAst(first.ast));
    expect(again.ast).toEqual(first.ast);
  });

  test('every diagnostic carries its file and a span', () => {
    const r = run('model M { h = @; input x f32[B]; }');
    expect(r.diagnostics.length).toBeGreaterThan(0);
    for (const d of r.diagnostics) {
      expect(d.file).toBe(r.file);
      expect(d.span).toBeDefined();
      expect(d.severity).toBe('error');
    }
  });
});

// ---------------------------------------------------------------- desugaring details

describe('desugaring', () => {
  const value = (src: string): Expr => {
    const s = run(`model M { h = ${src}; }`).ast.models[0]!.stmts[0]!;
    if (s.kind !== 'Binding') throw new Error('not a binding');
    return s.value;
  };

  test('a pipe step is a call whose first argument is the piped value', () => {
    const e = value('x |> f(y, p: 1)') as CallExpr;
    expect(e.sugar).toBe('pipe');
    expect(e.callee.name).toBe('f');
    expect(e.args.map((a) => (a.kind === 'Name' ? a.name : '?'))).toEqual(['x', 'y']);
    expect(e.named.map((n) => n.name.name)).toEqual(['p']);
  });

  test('`a + b` is add with the callee at the `+`', () => {
    const src = 'model M { h = a  +  b; }';
    const s = run(src).ast.models[0]!.stmts[0]!;
    const e = (s.kind === 'Binding' ? s.value : undefined) as CallExpr;
    expect(e.sugar).toBe('plus');
    expect(e.callee.name).toBe('add');
    expect(src.slice(e.callee.span.start, e.callee.span.end)).toBe('+');
    expect(e.named).toEqual([]);
  });

  test('a direct call is sugar `call`', () => {
    expect((value('f(x)') as CallExpr).sugar).toBe('call');
  });

  test('model dims are Ref (unprimed) or Num', () => {
    const s = run('model M { input x: f32[B, 7]; }').ast.models[0]!.stmts[0]!;
    const dims = s.kind === 'Input' ? (s.type.dims as RExpr[]) : [];
    expect(dims.map(({ span: _s, ...d }) => d)).toEqual([
      { kind: 'Ref', name: 'B', prime: false },
      { kind: 'Num', value: 7 },
    ]);
  });
});
