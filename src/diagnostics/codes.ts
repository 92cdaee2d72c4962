import type { Severity } from './diagnostic.js';

export interface CodeInfo {
  readonly title: string;
  readonly severity: Severity;
}

/**
 * Every diagnostic code. Bands: SN01xx lexing and parsing, SN02xx names and
 * parameters (and layer declarations), SN03xx shapes and dtypes, SN04xx masks,
 * SN05xx model-level. Each code has a page `docs/errors/<code>.md` whose
 * failing example a test compiles to exactly that code.
 */
export const CODES = {
  SN0101: { title: 'unexpected character', severity: 'error' },
  SN0102: { title: 'unterminated string or comment', severity: 'error' },
  SN0103: { title: 'syntax error', severity: 'error' },
  SN0104: { title: 'invalid number', severity: 'error' },

  SN0201: { title: 'unknown layer', severity: 'error' },
  SN0202: { title: 'unknown parameter', severity: 'error' },
  SN0203: { title: 'missing parameter', severity: 'error' },
  SN0204: { title: 'duplicate parameter', severity: 'error' },
  SN0205: { title: 'parameter has the wrong type', severity: 'error' },
  SN0206: { title: 'not a value of the enum', severity: 'error' },
  SN0207: { title: 'wrong number of tensor arguments', severity: 'error' },
  SN0208: { title: 'unknown name', severity: 'error' },
  SN0209: { title: 'name defined twice', severity: 'error' },
  SN0210: { title: 'unknown lengths or mask input', severity: 'error' },
  SN0211: { title: 'several models and no --model', severity: 'error' },
  SN0212: { title: 'unknown model', severity: 'error' },
  SN0213: { title: 'parameter value out of range', severity: 'error' },
  SN0214: { title: 'tensor argument after a named one', severity: 'error' },
  SN0215: { title: 'invalid layer declaration', severity: 'error' },
  SN0216: { title: 'a target used as a layer input', severity: 'error' },
  SN0217: { title: 'a loss used as a value, or a value used as a loss', severity: 'error' },
  SN0218: { title: 'a value name that TensorFlow.js cannot take', severity: 'error' },

  SN0301: { title: 'wrong rank', severity: 'error' },
  SN0302: { title: 'wrong dtype', severity: 'error' },
  SN0303: { title: 'dimension mismatch', severity: 'error' },
  SN0304: { title: 'time dimensions differ', severity: 'error' },
  SN0305: { title: 'loss target does not match its prediction', severity: 'error' },
  SN0306: { title: 'lengths input is not i32[B]', severity: 'error' },
  SN0307: { title: 'mask input is not bool[B, T]', severity: 'error' },
  SN0308: { title: 'invalid input type', severity: 'error' },

  SN0401: { title: 'values with different masks meet', severity: 'error' },
  SN0402: { title: 'window over a mask that may have holes', severity: 'error' },
  SN0403: { title: 'strided window over pre-padding', severity: 'error' },
  SN0404: { title: 'layer cannot take a masked time axis', severity: 'error' },
  SN0405: { title: 'a masked value where an unmasked one is required', severity: 'error' },

  SN0501: { title: 'no model', severity: 'error' },
  SN0502: { title: 'model has no output', severity: 'error' },
  SN0503: { title: 'unused value', severity: 'warning' },
} as const satisfies Record<string, CodeInfo>;

export type Code = keyof typeof CODES;

export function isCode(s: string): s is Code {
  return Object.prototype.hasOwnProperty.call(CODES, s);
}
