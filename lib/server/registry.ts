// What `BaseManager.register(typeid, ...)` records, and how registries are inherited per class.
// The server reads `callable`, `exposed` and `methodToTypeid`; the client reads `proxytype`.

/** A client-side proxy class, as far as the server and registry need to know it. */
export interface ProxyTypeInfo {
  /** The wire method names this proxy type calls (Python's `_exposed_`). */
  readonly _exposed_?: readonly string[];
  /** Methods whose results are served as new proxies (Python's `_method_to_typeid_`). */
  readonly _methodToTypeid_?: Readonly<Record<string, string>>;
}

export interface RegisterOptions<P = unknown> {
  /** Server side: makes the referent from the `create` arguments (may be async). */
  callable?: (...args: any[]) => unknown;
  /** Client side: the proxy class. Default: AutoProxy (or List/DictProxy for arrays/maps). */
  proxytype?: P;
  /** Callable method names. Default: the proxytype's `_exposed_`, else the referent's public methods. */
  exposed?: readonly string[];
  /** A method whose result is served as a new shared object of the given typeid. */
  methodToTypeid?: Readonly<Record<string, string>>;
  /** Default true: adds `manager[typeid](...args) => Promise<proxy>`. */
  createMethod?: boolean;
}

export interface TypeEntry<P = unknown> {
  readonly typeid: string;
  readonly callable: ((...args: any[]) => unknown) | undefined;
  readonly proxytype: P | undefined;
  readonly exposed: readonly string[] | undefined;
  readonly methodToTypeid: Readonly<Record<string, string>> | undefined;
  readonly createMethod: boolean;
}

export type Registry<P = unknown> = ReadonlyMap<string, TypeEntry<P>>;

export function makeEntry<P>(typeid: string, options: RegisterOptions<P>): TypeEntry<P> {
  if (typeof typeid !== 'string' || typeid === '') throw new globalThis.TypeError('typeid must be a non-empty string');
  const info = options.proxytype as ProxyTypeInfo | undefined;
  const methodToTypeid = options.methodToTypeid ?? info?._methodToTypeid_;
  if (methodToTypeid !== undefined) {
    for (const [k, v] of Object.entries(methodToTypeid)) {
      if (typeof v !== 'string') throw new globalThis.TypeError(`methodToTypeid['${k}'] must be a string`);
    }
  }
  return {
    typeid,
    callable: options.callable,
    proxytype: options.proxytype,
    exposed: options.exposed ?? info?._exposed_,
    methodToTypeid,
    createMethod: options.createMethod ?? true,
  };
}
