/**
 * The masked recurrent layers `gru` and `lstm` (MASKING.md sections 2 and 4).
 *
 * Called on `[x, mask]` (`x` float32 `[B, T, C]`, `mask` float32 0/1
 * `[B, T]`, any layout: post, pre or holes). A masked step is skipped: the
 * state is carried over it unchanged and the output there is exactly 0. The
 * backward direction runs the real steps from last to first. With
 * `sequences: false` the layer returns each direction's final state (forward:
 * after the last real step; backward: after the first), and the initial
 * state (zeros) for a row with no real step.
 *
 * Weights have the Keras/tfjs-layers layouts and names: `kernel` `[C, G U]`,
 * `recurrent_kernel` `[U, G U]`, `bias` (GRU `[2, 3U]` with `reset_after`,
 * else `[3U]`; LSTM `[4U]`), prefixed `forward/` and `backward/` for
 * `direction: both`.
 */
import { tf } from '../tf.js';
import type { Params } from '../builder-types.js';
import { hashSeed, SeqnetGlorotUniform, SeqnetOrthogonal, seedFor } from './init.js';
import { registerLayerKind } from './registry.js';
import type { GruSpec, LstmSpec, RecurrenceImpl, RecurrenceInputs, RecurrentActivation } from './rnn-common.js';
import { gruRecurrence } from './rnn-gru.js';
import { lstmRecurrence } from './rnn-lstm.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;
type Shape = (number | null)[];

export type Direction = 'forward' | 'backward' | 'both';

export interface MaskedRecurrentArgs extends LayerArgs {
  units: number;
  /** Return the whole sequence (true, default) or the final state. */
  sequences?: boolean;
  direction?: Direction;
  recurrentActivation?: RecurrentActivation;
  /** Initial weights are a function of the seed (default: derived from the layer's name). */
  seed?: number;
  /** `bptt` (default): hand-written backward pass; `tape`: tfjs autodiff of plain ops. */
  implementation?: RecurrenceImpl;
}

export interface MaskedGRUArgs extends MaskedRecurrentArgs {
  /** Keras 3's default (true); false gives tfjs-layers' GRU. */
  resetAfter?: boolean;
}

export type MaskedLSTMArgs = MaskedRecurrentArgs;

interface DirectionWeights {
  kernel: tf.LayerVariable;
  recurrentKernel: tf.LayerVariable;
  bias: tf.LayerVariable;
}

abstract class MaskedRecurrent extends tf.layers.Layer {
  readonly units: number;
  readonly sequences: boolean;
  readonly direction: Direction;
  readonly recurrentActivation: RecurrentActivation;
  readonly seed: number;
  readonly implementation: RecurrenceImpl;
  protected cells: DirectionWeights[] = [];

  constructor(args: MaskedRecurrentArgs) {
    super(args);
    this.units = args.units;
    this.sequences = args.sequences ?? true;
    this.direction = args.direction ?? 'forward';
    // tfjs-layers camel-cases string values when it loads a config: accept `hardSigmoid` too.
    const activation: string = args.recurrentActivation ?? 'sigmoid';
    if (activation !== 'sigmoid' && activation !== 'hard_sigmoid' && activation !== 'hardSigmoid') {
      throw new Error(`${this.name}: recurrent activation must be sigmoid or hard_sigmoid, got ${activation}`);
    }
    if (!['forward', 'backward', 'both'].includes(this.direction)) {
      throw new Error(`${this.name}: direction must be forward, backward or both, got ${String(this.direction)}`);
    }
    this.recurrentActivation = activation === 'sigmoid' ? 'sigmoid' : 'hard_sigmoid';
    this.seed = args.seed ?? seedFor(this.name);
    this.implementation = args.implementation ?? 'bptt';
  }

  /** Gates per unit: 3 (GRU) or 4 (LSTM). */
  protected abstract get gates(): number;
  protected abstract biasShape(): number[];
  /** The initial bias when it is not all zeros. */
  protected abstract initialBias(): tf.Tensor | null;
  protected abstract recurrence(inputs: RecurrenceInputs, reverse: boolean): tf.Tensor;

  private get directions(): ('forward' | 'backward')[] {
    return this.direction === 'both' ? ['forward', 'backward'] : [this.direction];
  }

  override build(inputShape: Shape | Shape[]): void {
    const xShape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const features = xShape[2];
    if (typeof features !== 'number') throw new Error(`${this.name}: the feature size of the input must be known`);
    const width = this.gates * this.units;
    this.cells = this.directions.map((dir) => {
      const prefix = this.direction === 'both' ? `${dir}/` : '';
      const seed = (weight: string) => hashSeed(this.seed, `${prefix}${weight}`);
      // Keras' order: kernel, recurrent_kernel, bias.
      const kernel = this.addWeight(`${prefix}kernel`, [features, width], 'float32', new SeqnetGlorotUniform({ seed: seed('kernel') }));
      const recurrentKernel = this.addWeight(`${prefix}recurrent_kernel`, [this.units, width], 'float32', new SeqnetOrthogonal({ seed: seed('recurrent_kernel') }));
      const bias = this.addWeight(`${prefix}bias`, this.biasShape(), 'float32', tf.initializers.zeros());
      const initialBias = this.initialBias();
      if (initialBias) {
        bias.write(initialBias);
        initialBias.dispose();
      }
      return { kernel, recurrentKernel, bias };
    });
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const xShape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const width = this.units * this.directions.length;
    return this.sequences ? [xShape[0] ?? null, xShape[1] ?? null, width] : [xShape[0] ?? null, width];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      if (!Array.isArray(inputs) || inputs.length !== 2) throw new Error(`${this.name}: expects [x, mask]`);
      const [x, rawMask] = inputs as [tf.Tensor3D, tf.Tensor2D];
      const mask = rawMask.dtype === 'float32' ? rawMask : tf.cast(rawMask, 'float32');
      const outs = this.directions.map((dir, i) => {
        const cell = this.cells[i] as DirectionWeights;
        return this.recurrence(
          { x, mask, kernel: cell.kernel.read() as tf.Tensor2D, recurrentKernel: cell.recurrentKernel.read() as tf.Tensor2D, bias: cell.bias.read() },
          dir === 'backward',
        );
      });
      return outs.length === 1 ? (outs[0] as tf.Tensor) : tf.concat(outs, -1);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = {
      units: this.units,
      sequences: this.sequences,
      direction: this.direction,
      recurrentActivation: this.recurrentActivation,
      implementation: this.implementation,
      seed: this.seed,
    };
    return { ...config, ...super.getConfig() };
  }
}

export class MaskedGRU extends MaskedRecurrent {
  static className = 'SeqnetGRU';
  readonly resetAfter: boolean;

  constructor(args: MaskedGRUArgs) {
    super(args);
    this.resetAfter = args.resetAfter ?? true;
  }

  protected get gates(): number {
    return 3;
  }

  protected biasShape(): number[] {
    return this.resetAfter ? [2, 3 * this.units] : [3 * this.units];
  }

  protected initialBias(): null {
    return null;
  }

  protected recurrence(inputs: RecurrenceInputs, reverse: boolean): tf.Tensor {
    const spec: GruSpec = {
      units: this.units, reverse, sequences: this.sequences,
      recurrentActivation: this.recurrentActivation, resetAfter: this.resetAfter,
    };
    return gruRecurrence(inputs, spec, this.implementation);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), resetAfter: this.resetAfter };
  }
}
tf.serialization.registerClass(MaskedGRU);

export class MaskedLSTM extends MaskedRecurrent {
  static className = 'SeqnetLSTM';

  protected get gates(): number {
    return 4;
  }

  protected biasShape(): number[] {
    return [4 * this.units];
  }

  // unit_forget_bias: the forget gate starts open.
  protected initialBias(): tf.Tensor {
    const values = new Float32Array(4 * this.units);
    values.fill(1, this.units, 2 * this.units);
    return tf.tensor1d(values);
  }

  protected recurrence(inputs: RecurrenceInputs, reverse: boolean): tf.Tensor {
    const spec: LstmSpec = { units: this.units, reverse, sequences: this.sequences, recurrentActivation: this.recurrentActivation };
    return lstmRecurrence(inputs, spec, this.implementation);
  }
}
tf.serialization.registerClass(MaskedLSTM);

/** Parameters arrive resolved and checked (LANGUAGE.md section 4); the constructor re-checks the enums. */
function recurrentArgs(name: string, params: Params): MaskedRecurrentArgs {
  const seed = params['seed'];
  return {
    name,
    units: Number(params['units']),
    sequences: params['sequences'] !== false,
    direction: String(params['direction'] ?? 'forward') as Direction,
    recurrentActivation: String(params['recurrent_activation'] ?? 'sigmoid') as RecurrentActivation,
    ...(typeof seed === 'number' ? { seed } : {}),
  };
}

registerLayerKind('gru', (name, params) => new MaskedGRU({ ...recurrentArgs(name, params), resetAfter: params['reset_after'] !== false }));
registerLayerKind('lstm', (name, params) => new MaskedLSTM(recurrentArgs(name, params)));
