/**
 * Bad tensors and bad samples from the user are reported as
 * `SeqnetInputError`, never as a tfjs shape error from deep inside the graph:
 * the message names the input (and the first offending row, when a row is
 * to blame), so that the caller can fix the data.
 */
export class SeqnetInputError extends Error {
  /** The input, target or sample field the error is about. */
  readonly input: string;
  /** The first offending row (batch index or sample index), when one is to blame. */
  readonly row: number | undefined;

  constructor(input: string, message: string, row?: number) {
    super(message);
    this.name = 'SeqnetInputError';
    this.input = input;
    this.row = row;
  }
}
