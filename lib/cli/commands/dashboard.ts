// `mpmanagers dashboard`: a live web page of any running manager server, read over one client
// connection. Prints the page's URL (with its token when not on loopback) and serves until
// interrupted. Exit 0 on SIGINT/SIGTERM; 1 with a one-line reason when the key is wrong or the
// server unreachable; 2 on a bad command line.
import type { BaseManager } from '../../manager/baseManager.js';
import { startDashboard, type Dashboard } from '../../dashboard/dashboard.js';
import { CommandLineError, TARGET_FLAGS, TARGET_HELP, connectTo, failureReason, numberFlag, parseFlags, targetFrom } from '../describeTarget.js';

const HELP = `usage: mpmanagers dashboard (--address host:port | --socket path) --port P [flags]

Serves a live web page of a running manager server: counters, a calls/s chart, its objects (queue
depths, lock holders) and its clients, updated every second. Loopback only unless --host says
otherwise; then the URL carries a random token (printed), required on every request.

${TARGET_HELP}
  --port P              the page's TCP port (0: any free one)
  --host H              the interface to serve the page on (default 127.0.0.1)
  --help                this text
`;

const FLAGS = {
  ...TARGET_FLAGS,
  port: { type: 'string' },
  host: { type: 'string' },
} as const;

export async function main(args: string[]): Promise<number> {
  let manager: BaseManager | undefined;
  let dashboard: Dashboard | undefined;
  try {
    const flags = parseFlags(args, FLAGS);
    if (flags.help === true) {
      process.stdout.write(HELP);
      return 0;
    }
    const port = numberFlag('port', flags.port, { integer: true });
    if (port === undefined || !Number.isInteger(port) || port > 65535) throw new CommandLineError('--port P (0 to 65535) is required');
    const target = await targetFrom(flags);
    manager = await connectTo(target, true);
    dashboard = await startDashboard({ manager, port, host: flags.host });
    process.stdout.write(`dashboard on ${dashboard.url}\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    return 0;
  } catch (error) {
    if (error instanceof CommandLineError) {
      process.stderr.write(`mpmanagers dashboard: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`mpmanagers dashboard: ${failureReason(error)}\n`);
    return 1;
  } finally {
    await dashboard?.close();
    await manager?.close();
  }
}
