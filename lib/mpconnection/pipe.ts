// Pipe(): two connected Connections. While both ends are in this process they talk in memory; an
// end given to a Process travels to the child over a socket pair of its own (pipeTransfer.ts).
import { Connection } from './connection.js';
import { memoryLinks } from './links.js';

/**
 * Two connected ends. Duplex (the default): both send and receive. `Pipe(false)`: the first end
 * only receives, the second only sends, as Python's.
 */
export function Pipe(duplex = true): [Connection, Connection] {
  const [a, b] = memoryLinks();
  if (duplex) return [new Connection(a), new Connection(b)];
  return [new Connection(a, { writable: false }), new Connection(b, { readable: false })];
}
