// The server-side object behind `manager.Namespace()`: named attributes, read and written by
// clients through `__getattribute__` / `__setattr__` / `__delattr__`, as CPython's Namespace.
import { AttributeError, TypeError } from '../../errors.js';
import { pyCompare, pyRepr, pyTypeName } from './pyValues.js';

export const NAMESPACE_EXPOSED: readonly string[] = Object.freeze(['__getattribute__', '__setattr__', '__delattr__']);

export class Namespace {
  /** The attributes; a null-prototype record, so any name (even `__proto__`) is plain data. */
  readonly attributes: Record<string, unknown> = Object.create(null) as Record<string, unknown>;

  constructor(init?: Record<string, unknown>) {
    if (init !== undefined && init !== null) {
      for (const [name, value] of Object.entries(init)) this.__setattr__(name, value);
    }
  }

  __getattribute__(name: string): unknown {
    if (!Object.hasOwn(this.attributes, checkName(name))) throw missingAttribute(name);
    return this.attributes[name];
  }

  __setattr__(name: string, value: unknown): void {
    Object.defineProperty(this.attributes, checkName(name), { value, writable: true, enumerable: true, configurable: true });
  }

  __delattr__(name: string): void {
    if (!Object.hasOwn(this.attributes, checkName(name))) throw missingAttribute(name);
    delete this.attributes[name];
  }

  /** A plain copy of the attributes (what `_getValue()` returns). */
  getValue(): Record<string, unknown> {
    const copy: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(this.attributes)) {
      Object.defineProperty(copy, name, { value, writable: true, enumerable: true, configurable: true });
    }
    return copy;
  }

  toJSON(): Record<string, unknown> {
    return this.getValue();
  }

  /** `Namespace(a=1, b=2)`: sorted, names starting with `_` left out, as CPython. */
  __repr__(): string {
    const shown = Object.entries(this.attributes)
      .filter(([name]) => !name.startsWith('_'))
      .map(([name, value]) => `${name}=${pyRepr(value)}`)
      .sort(pyCompare);
    return `Namespace(${shown.join(', ')})`;
  }
}

function checkName(name: unknown): string {
  if (typeof name !== 'string') throw new TypeError(`attribute name must be string, not '${pyTypeName(name)}'`);
  return name;
}

function missingAttribute(name: string): AttributeError {
  return new AttributeError(`'Namespace' object has no attribute '${name}'`);
}
