// NamespaceProxy: attributes of a shared Namespace, read and written by name.
import { NAMESPACE_EXPOSED } from '../server/adapters/index.js';
import { BaseProxy } from './base.js';

export class NamespaceProxy<T extends Record<string, unknown> = Record<string, unknown>> extends BaseProxy {
  static override readonly _exposed_ = NAMESPACE_EXPOSED;

  /** Rejects AttributeError when the attribute does not exist. */
  get<N extends keyof T & string>(name: N): Promise<T[N]> {
    return this._callMethod('__getattribute__', [name]);
  }
  set<N extends keyof T & string>(name: N, value: T[N]): Promise<void> {
    return this._callMethod('__setattr__', [name, value]);
  }
  delete(name: keyof T & string): Promise<void> {
    return this._callMethod('__delattr__', [name]);
  }
  override _getValue(): Promise<T> {
    return this._callMethod('#GETVALUE');
  }
}
