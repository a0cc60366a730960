// Where a server listens: `[host, port]` for TCP (port 0 = any free port) or a path for a Unix socket.

export type Address = readonly [host: string, port: number] | string;

export function isUnixAddress(address: Address): address is string {
  return typeof address === 'string';
}

export function formatAddress(address: Address | undefined): string {
  if (address === undefined) return '<unbound>';
  return typeof address === 'string' ? address : `${address[0]}:${address[1]}`;
}

/** Two addresses name the same endpoint (hosts compared as written). */
export function sameAddress(a: Address | undefined, b: Address | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  return a[0] === b[0] && a[1] === b[1];
}
