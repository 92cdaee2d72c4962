/** A generated model with `layers` layer calls over about four lines each, for compiler timings. */
export function largeModel(layers = 500): string {
  const lines = ['// Generated for the compiler benchmark.', 'model Large {', '  input x: f32[B, T, 32] masked by zeros, padded post;', '  target y: i32[B, T];', ''];
  let prev = 'x';
  const kinds = [
    (p: string) => `conv1d(${p}, filters: 32, kernel: 3)`,
    (p: string) => `relu(${p})`,
    (p: string) => `dense(${p}, units: 32)`,
    (p: string) => `batchnorm(${p})`,
    (p: string) => `tanh(${p})`,
  ];
  let n = 0;
  let i = 0;
  while (n < layers - 1) {
    const name = `v${i++}`;
    if (i % 10 === 0 && n + 1 < layers - 1) {
      lines.push(`  // residual block ${i / 10}:`, '  // the add joins two values with one mask', `  ${name} = ${prev} +`, `    ${kinds[i % kinds.length]!(prev)};`, '', '', '', '');
      n += 2;
    } else {
      lines.push(`  // layer ${n + 1}`, `  ${name} =`, `    ${kinds[i % kinds.length]!(prev)};`, '');
      n += 1;
    }
    prev = name;
  }
  lines.push(`  logits = dense(${prev}, units: 8);`, '  output logits;', '  loss crossentropy(logits, y);', '}', '');
  return lines.join('\n');
}
