// A reference the server has already counted for the receiving connection: the result of `create`
// or of a method_to_typeid method. The codec writes it as-is, and the client's proxy takes it over.
import type { WireRef } from '../protocol.js';

export class OwnedRef {
  constructor(readonly wire: WireRef) {}
}
