// `mpmanagers ping`: connects, authenticates, measures the round trip of a no-op call and asks the
// server's version. Exit 0 with one line on stdout; exit 1 with a one-line reason on stderr when the
// key is wrong, the connection is refused, or the server does not answer in time.
import { BaseManager } from '../../manager/baseManager.js';
import { AuthenticationError, RemoteError } from '../../errors.js';
import { AUTHKEY_HELP, givenAuthkey } from '../authkey.js';
import { clientTlsFiles } from '../tlsFiles.js';
import { UsageError, addressFrom, showAddress, numberFlag, parseFlags } from '../usage.js';

const HELP = `usage: mpmanagers ping (--address host:port | --socket path) [flags]

Connects to a manager server, authenticates, and prints the round-trip time of a call and the
server's version. Exit 0 on an answer; 1, with the reason, on a wrong key, a refused connection or
no answer within the timeout.

  --address host:port   the server's TCP address
  --socket path         the server's Unix socket
  --authkey-file FILE   the authkey, in hex (see below)
  --timeout S           seconds to wait for the connection and each answer (default 5)
  --count N             round trips to time; the best is printed (default 3)
  --tls-ca FILE         connect with TLS, trusting this CA (PEM)
  --tls-cert FILE --tls-key FILE   the client certificate, for a server that requires one
  --help                this text

${AUTHKEY_HELP}
`;

const FLAGS = {
  address: { type: 'string' },
  socket: { type: 'string' },
  'authkey-file': { type: 'string' },
  timeout: { type: 'string' },
  count: { type: 'string' },
  'tls-ca': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** A manager that makes control calls: the no-op `dummy` and `version`. */
class Pinger extends BaseManager {
  control(method: string): Promise<unknown> {
    return this.requireSession().call(null, method);
  }
}

export async function main(args: string[]): Promise<number> {
  const flags = parseFlags(args, FLAGS);
  if (flags.help === true) {
    process.stdout.write(HELP);
    return 0;
  }
  const address = addressFrom(flags);
  const timeout = numberFlag('timeout', flags.timeout) ?? 5;
  const count = numberFlag('count', flags.count, { min: 1, integer: true }) ?? 3;
  const authkey = await givenAuthkey(flags['authkey-file']);
  if (authkey === undefined) throw new UsageError(`no authkey: give --authkey-file, or set MPMANAGERS_AUTHKEY`);
  const tls = await clientTlsFiles(flags);
  const where = showAddress(address);

  const pinger = new Pinger({ address, authkey, handshakeTimeout: timeout, tls });
  try {
    const started = performance.now();
    await pinger.connect();
    const connected = performance.now() - started;
    let best = Infinity;
    for (let i = 0; i < count; i++) {
      const sent = performance.now();
      await withTimeout(pinger.control('dummy'), timeout);
      best = Math.min(best, performance.now() - sent);
    }
    const version = await withTimeout(pinger.control('version'), timeout).then(String, (error: unknown) => {
      if (error instanceof RemoteError || (error as Error).name === 'AttributeError') return 'unknown version';
      throw error;
    });
    process.stdout.write(`${where}: ${version}, round trip ${ms(best)} (connect + authenticate ${ms(connected)})\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`mpmanagers ping: ${where}: ${reason(error, timeout)}\n`);
    return 1;
  } finally {
    await pinger.close();
  }
}

class NoAnswer extends Error {
  override name = 'NoAnswer';
}

function withTimeout<T>(promise: Promise<T>, seconds: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new NoAnswer()), seconds * 1000);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/** One line saying why the ping failed. */
function reason(error: unknown, timeout: number): string {
  if (error instanceof AuthenticationError) return `authentication failed (wrong authkey?): ${error.message}`;
  if (error instanceof NoAnswer) return `no answer within ${timeout} s`;
  const { name, message, cause } = error as Error;
  // A connection that could not be made is a ConnectionClosedError caused by the socket's error.
  const code = (error as NodeJS.ErrnoException).code ?? (cause as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ECONNREFUSED') return 'connection refused (is the server running?)';
  if (code === 'ENOENT') return 'no such socket (is the server running?)';
  if (name === 'TimeoutError') return `no answer within ${timeout} s (${message})`;
  return `${name}: ${message.split('\n')[0]}`;
}

function ms(milliseconds: number): string {
  return `${milliseconds.toFixed(milliseconds < 10 ? 2 : 1)} ms`;
}
