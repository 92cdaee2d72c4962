/**
 * The demo's synthetic tagging task, generated from a seed: variable-length
 * sequences of 40 standard-normal features, and at each step one of 10
 * classes decided by a window of three steps (the step and its neighbours,
 * a missing neighbour counting as zero), so a conv plus a GRU can learn it.
 */
import type { Sample } from '../src/runtime/index.js';
import { seededRandom } from '../src/runtime/data.js';
import { normal } from '../src/verify/batch.js';

export const FEATURES = 40;
export const CLASSES = 10;

export interface TaskOptions {
  readonly seed: number;
  readonly minLength: number;
  readonly maxLength: number;
}

export interface TaggedSample extends Sample {
  readonly x: number[][];
  readonly y: number[];
}

export interface Task {
  /** `count` fresh samples; successive calls continue the same random stream. */
  samples(count: number): TaggedSample[];
}

export function makeTask(opts: TaskOptions): Task {
  const random = seededRandom(opts.seed);
  const gaussian = () => normal(random);
  // The teacher: one 40 x 10 projection per offset -1, 0, +1.
  const teacher = [0, 1, 2].map(() => Array.from({ length: FEATURES }, () => Array.from({ length: CLASSES }, () => gaussian() / Math.sqrt(FEATURES))));
  const label = (x: number[][], t: number): number => {
    const score = new Array<number>(CLASSES).fill(0);
    for (let d = -1; d <= 1; d++) {
      const step = x[t + d];
      if (step === undefined) continue;
      const w = teacher[d + 1]!;
      for (let f = 0; f < FEATURES; f++) for (let c = 0; c < CLASSES; c++) score[c]! += step[f]! * w[f]![c]!;
    }
    return score.indexOf(Math.max(...score));
  };
  return {
    samples(count) {
      const out: TaggedSample[] = [];
      for (let i = 0; i < count; i++) {
        const length = opts.minLength + Math.floor(random() * (opts.maxLength - opts.minLength + 1));
        const x = Array.from({ length }, () => Array.from({ length: FEATURES }, gaussian));
        out.push({ x, y: x.map((_, t) => label(x, t)) });
      }
      return out;
    },
  };
}
