// `mpmanagers serve`: a manager server as a long-lived service. Prints exactly one line on stdout,
// `serving on <address>`, once it accepts connections; stops gracefully on SIGTERM or SIGINT (or a
// client's shutdown()): every client's pending calls reject ConnectionClosedError, exit code 0.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Address } from '../../connection/address.js';
import { AUTHKEY_ENV } from '../../manager/authkey.js';
import { BaseManager, type ManagerOptions } from '../../manager/baseManager.js';
import { SyncManager } from '../../manager/syncManager.js';
import type { Server } from '../../server/server.js';
import { ValueError } from '../../errors.js';
import { AUTHKEY_HELP, generatedAuthkey, givenAuthkey } from '../authkey.js';
import { tlsFiles } from '../tlsFiles.js';
import { UsageError, addressFrom, showAddress, limitFlag, numberFlag, parseFlags, type Flags } from '../usage.js';

const HELP = `usage: mpmanagers serve [--address host:port | --socket path] [--module M --export E] [flags]

Runs a SyncManager (or the manager class exported as E by module M) and serves until SIGTERM or
SIGINT. Prints one line on stdout, "serving on <address>", once it accepts connections.

  --address host:port        TCP address to listen on (port 0 = any free port). Default 127.0.0.1:0
  --socket path              Unix socket to listen on, instead of TCP
  --module M --export E      serve the manager class exported as E by the module M (a path); a
                             TypeScript module needs a loader: NODE_OPTIONS='--import tsx'
  --authkey-file FILE        the authkey, in hex (see below)
  --tls-cert FILE --tls-key FILE   serve TLS with this certificate and private key (PEM)
  --tls-ca FILE              CA certificate(s) (PEM) that client certificates must chain to
  --require-client-cert      mutual TLS: refuse clients without a certificate from --tls-ca
  --max-connections N        most client connections at once (default 16384; none = no limit)
  --max-in-flight N          most unanswered calls per connection (default 16384; none)
  --max-objects-per-connection N   most live objects one connection created (default 100000; none)
  --idle-timeout S           close connections idle for S seconds (default: never)
  --handshake-timeout S      seconds a new connection has to authenticate (default 5)
  --max-frame-size BYTES     largest message accepted after authentication (default 64 MiB)
  --backlog N                listen backlog (default 128)
  --heartbeat-interval S     ping a silent client after S seconds (default: no heartbeat)
  --heartbeat-timeout S      drop a client silent for S seconds (default 3 × the interval)
  --pool-module PATH         a module whose functions clients' Pools may run (repeatable)
  --dashboard PORT           also serve the live dashboard on this port (0 picks one; its URL goes to stderr)
  --dashboard-host HOST      the dashboard's interface (default 127.0.0.1; any other needs the URL's token)
  --help                     this text

${AUTHKEY_HELP}
With neither, a random key is generated and written (hex) to a new file of mode 0600, whose path is
printed on stderr; the file is removed when the server stops.
`;

export const FLAGS = {
  address: { type: 'string' },
  socket: { type: 'string' },
  module: { type: 'string' },
  export: { type: 'string' },
  'authkey-file': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'tls-ca': { type: 'string' },
  'require-client-cert': { type: 'boolean' },
  'max-connections': { type: 'string' },
  'max-in-flight': { type: 'string' },
  'max-objects-per-connection': { type: 'string' },
  'idle-timeout': { type: 'string' },
  'handshake-timeout': { type: 'string' },
  'max-frame-size': { type: 'string' },
  backlog: { type: 'string' },
  'heartbeat-interval': { type: 'string' },
  'heartbeat-timeout': { type: 'string' },
  'pool-module': { type: 'string', multiple: true },
  dashboard: { type: 'string' },
  'dashboard-host': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type ManagerClass = new (options: ManagerOptions) => BaseManager;
export type ServeOptions = ManagerOptions;

/** The manager's options from the flags (without the authkey and TLS, which are read from files). */
export function serveOptions(flags: Flags<typeof FLAGS>): ServeOptions {
  return {
    address: addressFrom(flags, ['127.0.0.1', 0]),
    maxConnections: limitFlag('max-connections', flags['max-connections'], true),
    maxInFlight: limitFlag('max-in-flight', flags['max-in-flight'], true),
    maxObjectsPerConnection: limitFlag('max-objects-per-connection', flags['max-objects-per-connection'], true),
    idleTimeout: limitFlag('idle-timeout', flags['idle-timeout'], false),
    handshakeTimeout: numberFlag('handshake-timeout', flags['handshake-timeout']),
    maxFrameSize: numberFlag('max-frame-size', flags['max-frame-size'], { integer: true }),
    backlog: numberFlag('backlog', flags.backlog, { integer: true }),
    heartbeatInterval: numberFlag('heartbeat-interval', flags['heartbeat-interval']),
    heartbeatTimeout: numberFlag('heartbeat-timeout', flags['heartbeat-timeout']),
    poolModules: flags['pool-module'],
  };
}

export async function main(args: string[]): Promise<number> {
  const flags = parseFlags(args, FLAGS);
  if (flags.help === true) {
    process.stdout.write(HELP);
    return 0;
  }
  const options = serveOptions(flags);
  const address = options.address!;
  const ManagerClass = await managerClass(flags.module, flags.export);
  const given = await givenAuthkey(flags['authkey-file']);
  const serverTls = await tlsFiles(flags);
  options.serverTls = serverTls;
  let generatedFile: string | undefined;
  if (given === undefined) {
    const generated = await generatedAuthkey();
    options.authkey = generated.key;
    generatedFile = generated.file;
  } else {
    options.authkey = given;
  }
  // The server's own helpers (a Pool's workers, say) reach it with this process's default authkey.
  process.env[AUTHKEY_ENV] = Buffer.from(options.authkey).toString('hex');

  const removeKey = async (): Promise<void> => {
    if (generatedFile !== undefined) await rm(path.dirname(generatedFile), { recursive: true, force: true });
  };
  let server: Server;
  let bound: Address;
  try {
    server = serverOf(ManagerClass, options);
    bound = await listen(server, address, serverTls !== undefined);
  } catch (error) {
    await removeKey();
    throw error;
  }
  // A second signal while closing gets Node's default: the process ends at once.
  const stop = (signal: NodeJS.Signals): void => {
    process.stderr.write(`${signal}: shutting down\n`);
    server.close().catch((error: unknown) => process.stderr.write(`closing the server failed: ${String(error)}\n`));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  let dashboard: { url: string; close(): Promise<void> } | undefined;
  try {
    if (flags.dashboard !== undefined) dashboard = await dashboardOf(server, flags.dashboard, flags['dashboard-host']);
  } catch (error) {
    await server.close();
    await removeKey();
    throw error;
  }
  if (dashboard !== undefined) process.stderr.write(`dashboard on ${dashboard.url}\n`);
  if (generatedFile !== undefined) process.stderr.write(`authkey written to ${generatedFile}\n`);
  process.stdout.write(`serving on ${showAddress(bound)}\n`);
  try {
    await server.serveForever();
  } finally {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    await dashboard?.close();
    await removeKey();
  }
  return 0;
}

/** `--dashboard PORT`: the page of lib/dashboard, loaded only when asked for. */
async function dashboardOf(server: Server, portText: string, host: string | undefined): Promise<{ url: string; close(): Promise<void> }> {
  const port = numberFlag('dashboard', portText, { integer: true });
  const { startDashboard } = await import('../../dashboard/dashboard.js');
  try {
    return await startDashboard({ server, port: port ?? 0, host });
  } catch (error) {
    const { code } = error as NodeJS.ErrnoException;
    if (code === 'EADDRINUSE') throw new UsageError(`dashboard port ${port} is already in use`);
    throw error;
  }
}

function serverOf(ManagerClass: ManagerClass, options: ServeOptions): Server {
  try {
    return new ManagerClass(options).getServer();
  } catch (error) {
    if (error instanceof ValueError) throw new UsageError(error.message); // a limit or heartbeat flag out of range
    throw error;
  }
}

/** SyncManager, or the manager class exported as `exportName` by `module`. */
async function managerClass(module: string | undefined, exportName: string | undefined): Promise<ManagerClass> {
  if (module === undefined) {
    if (exportName !== undefined) throw new UsageError('--export needs --module');
    return SyncManager;
  }
  if (exportName === undefined) throw new UsageError('--module needs --export, the name of the manager class it exports');
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(pathToFileURL(path.resolve(module)).href)) as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(`cannot import --module ${module}: ${(error as Error).message.split('\n')[0]}`);
  }
  const exported = namespace[exportName];
  // Duck-typed: the module may reach this library by another path (another module instance).
  if (typeof exported !== 'function' || typeof (exported.prototype as { getServer?: unknown } | undefined)?.getServer !== 'function') {
    throw new UsageError(`${module} has no export '${exportName}' that is a manager class`);
  }
  return exported as unknown as ManagerClass;
}

/** Binds; the errors a user causes (a busy port, a bad host, an unusable certificate) are usage errors. */
async function listen(server: Server, address: Address, tls: boolean): Promise<Address> {
  try {
    return await server.listen();
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    const where = showAddress(address);
    if (code === 'EADDRINUSE') throw new UsageError(`${where} is already in use`);
    if (code === 'EACCES') throw new UsageError(`not allowed to listen on ${where}`);
    if (code === 'EADDRNOTAVAIL') throw new UsageError(`${where} is not an address of this machine`);
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') throw new UsageError(`unknown host in ${where}`);
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new UsageError(`cannot create the socket ${where}: no such directory`);
    if (tls && (code?.startsWith('ERR_OSSL') === true || /PEM|certificate|key/i.test(message))) {
      throw new UsageError(`the TLS certificate or key is not usable: ${message.split('\n')[0]}`);
    }
    throw error;
  }
}
