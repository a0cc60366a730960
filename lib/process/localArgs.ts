// The receiving side of argsTransfer.ts for what needs no manager connection: a Pipe end (in a
// child process) and a sharedctypes object (in a worker thread). Proxies, including those of the
// primitives the parent serves, are rebuilt by ProxyConnections.
import { isPipeDescriptor, receivePipeEnd } from '../mpconnection/pipeTransfer.js';
import { isSharedCTypeDescriptor, rebuildSharedCType } from '../sharedctypes/transfer.js';

export function isLocalDescriptor(value: unknown): boolean {
  return isPipeDescriptor(value) || isSharedCTypeDescriptor(value);
}

/** What a local descriptor stands for. */
export function rebuildLocal(descriptor: unknown): unknown {
  if (isPipeDescriptor(descriptor)) return receivePipeEnd(descriptor);
  if (isSharedCTypeDescriptor(descriptor)) return rebuildSharedCType(descriptor);
  return descriptor;
}
