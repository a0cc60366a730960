// The server-side object behind `manager.Value(typecode, value)`: one value of a typecode. Unlike
// CPython's managers.Value, the typecode is enforced on creation and on every `set`.
import { checkTypecode, checkTypecodeValue } from './typecodes.js';
import { pyRepr } from './pyRepr.js';

export const VALUE_EXPOSED: readonly string[] = Object.freeze(['get', 'set']);

export class Value {
  readonly typecode: string;
  private current: unknown;

  /** TypeError/RangeError when `value` does not fit `typecode`; ValueError for an unknown typecode. */
  constructor(typecode: string, value: unknown) {
    this.typecode = checkTypecode(typecode);
    this.current = checkTypecodeValue(this.typecode, value);
  }

  get(): unknown {
    return this.current;
  }

  set(value: unknown): void {
    this.current = checkTypecodeValue(this.typecode, value);
  }

  /** For server-side code, as Python's `value` property. */
  get value(): unknown {
    return this.current;
  }

  set value(value: unknown) {
    this.set(value);
  }

  /** `Value('i', 1)`, as CPython. */
  __repr__(): string {
    return `Value(${pyRepr(this.typecode)}, ${pyRepr(this.current)})`;
  }
}
