/** Valid seqnet sources used by the parser's unit and property tests. */

/** LANGUAGE.md section 1. */
export const TAGGER = `// The case that started the project: 40 features per step, sequences
// zero-padded at the end, a loss only at real steps.
model Tagger {
  input  x: f32[B, T, 40] masked by zeros, padded post;
  target y: i32[B, T];

  h = x |> conv1d(filters: 64, kernel: 5) |> batchnorm() |> relu();
  r = gru(h, units: 128);
  logits = dense(r, units: 10);

  output logits;
  loss crossentropy(logits, y, from_logits: true);
}
`;

/** Every model-level construct. */
export const MODELS = `/* Two models in one file. */
model Both {
  input a: f32[B, T, 8] masked by value(-1), padded pre;
  input lens: i32[B];
  input b: f32[B, T, 8] masked by lengths(lens);
  input c: f32[B, T, 8] masked by m;
  input m: bool[B, T];
  target t: f32[B, 4];
  s = a + b + c;
  p = (s |> dense(units: 8)) + a |> layernorm(epsilon: 1e-3);
  q = concat(p, s, note: "a \\"quoted\\" \\\\ string", enabled: false, to: i32, mode: same);
  output q, p;
  loss mse(q |> global_avgpool() |> dense(units: 4), t, weight: 0.5);
  loss mae(global_avgpool(q) |> dense(units: 4), t, weight: -2);
}

model Small { input x: f32[B, 3]; output x; }
`;

/** The declarations the brief requires, LANGUAGE.md section 5's, and a few more. */
export const LAYERS = `layer conv1d(x: f32[B, T, C], filters: int, kernel: int, stride: int = 1, dilation: int = 1, padding: same | valid | causal = same, bias: bool = true, activation: none | relu | tanh = none) -> f32[B, T', filters] { time: window(size: kernel, stride: stride, dilation: dilation, mode: padding); needs: zeros; pads: kernel == 1 && !bias ? pads_of(activation) : any; uses_mask: false; }
layer gru(x: f32[B, T, C], units: int, sequences: bool = true, direction: forward | backward | both = forward) -> sequences ? f32[B, T, direction == both ? 2 * units : units] : f32[B, direction == both ? 2 * units : units] { time: sequences ? recurrent(direction: direction) : reduce; pads: zeros; uses_mask: true; }
layer cast(x: D[B, ..., C], to: f32 | i32) -> to[B, ..., C] { time: pointwise; pads: keeps_zeros; }
layer crossentropy(logits: f32[B, ..., C], target: i32[B, ...] | f32[B, ..., C], from_logits: bool = true, weight: float = 1, reduction: mean | sum = mean) -> f32[] { time: reduce; uses_mask: true; }
layer maxpool1d(x: f32[B, T, C], size: int, stride: int = size, padding: valid | same = valid) -> f32[B, T', C] { time: window(size: size, stride: stride, mode: padding); needs: zeros; pads: any; }
layer concat(a: f32[B, ..., C1], b: f32[B, ..., C2]) -> f32[B, ..., C1 + C2] { time: pointwise; pads: keeps_zeros; }

layer swish(x: f32[B, T, C]) -> f32[B, T, C] {
  time: pointwise;
  pads: keeps_zeros;          // swish(0) = 0
  impl: "./swish.js#Swish";   // a registered tfjs Layer class
}

layer add(a: f32[B, ..., C], b: f32[B, ..., C]) -> f32[B, ..., C] {
  time: pointwise;
  pads: pads_of(a) == zeros && pads_of(b) == zeros ? keeps_zeros : any;
}

layer halve(x: f32[B, T, C], leak: float = -0.5) -> f32[B, T', C] {
  time: window(size: 2, stride: 2, mode: valid);
  needs: zeros;
  pads: !(leak != 0) || leak >= 1 % 3 ? keeps_zeros : any;
  out_len: ceil(T / 2) - (T - 1) * -1;
}
`;

export const ALL_SAMPLES: Record<string, string> = { TAGGER, MODELS, LAYERS, BOTH: MODELS + LAYERS };
