// The receiving side of argsTransfer.ts for what needs no manager connection: a Pipe end (in a
// child process) and a sharedctypes object (in a worker thread). Proxies, including those of the
// primitives the parent serves, are rebuilt by ProxyConnections.
import type { Connection } from '../mpconnection/connection.js';
import { isPipeDescriptor, receivePipeEnd } from '../mpconnection/pipeTransfer.js';
import { isSharedCTypeDescriptor, rebuildSharedCType } from '../sharedctypes/transfer.js';

export function isLocalDescriptor(value: unknown): boolean {
  return isPipeDescriptor(value) || isSharedCTypeDescriptor(value);
}

/** The Pipe ends this process was sent: what they sent must leave before it exits (closeReceivedPipeEnds). */
const receivedPipeEnds = new Set<Connection>();

/** What a local descriptor stands for. */
export function rebuildLocal(descriptor: unknown): unknown {
  if (isPipeDescriptor(descriptor)) {
    const end = receivePipeEnd(descriptor);
    receivedPipeEnds.add(end);
    return end;
  }
  if (isSharedCTypeDescriptor(descriptor)) return rebuildSharedCType(descriptor);
  return descriptor;
}

/** Closes the Pipe ends this process was sent, once what they sent has been written (a child's exit would drop it). */
export async function closeReceivedPipeEnds(): Promise<void> {
  const ends = [...receivedPipeEnds];
  receivedPipeEnds.clear();
  await Promise.all(ends.map((end) => end._closeAndFlush()));
}
