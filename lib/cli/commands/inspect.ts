// `mpmanagers inspect`: what a running manager server holds and who is connected, as tables or
// JSON (the `describe` control operation). `--watch S` redraws the tables in place every S seconds
// on a terminal (one JSON document per line with --json, or plain snapshots when not a terminal).
// Exit 0; 1 with a one-line reason when the key is wrong, the server unreachable or the connection
// lost; 2 on a bad command line.
import type { BaseManager } from '../../manager/baseManager.js';
import type { ServerDescription } from '../../server/description.js';
import { formatDescription, type InspectView } from '../inspectFormat.js';
import { CommandLineError, TARGET_FLAGS, TARGET_HELP, connectTo, failureReason, numberFlag, parseFlags, targetFrom } from '../describeTarget.js';

const HELP = `usage: mpmanagers inspect (--address host:port | --socket path) [flags]

Shows a running manager server: its counters, its shared objects (queue depths, lock holders and
waiters, container lengths) and its clients.

${TARGET_HELP}
  --objects | --clients | --queues   show only that table
  --json                the description as JSON (every page of objects)
  --watch S             redraw every S seconds until interrupted
  --limit N             most object rows in a table (default 100)
  --help                this text
`;

const FLAGS = {
  ...TARGET_FLAGS,
  json: { type: 'boolean' },
  watch: { type: 'string' },
  objects: { type: 'boolean' },
  clients: { type: 'boolean' },
  queues: { type: 'boolean' },
  limit: { type: 'string' },
} as const;

/** Terminal control: cursor home, erase to the end of the line / of the screen, cursor off and on. */
const HOME = '\x1b[H';
const CLEAR_SCREEN = '\x1b[2J';
const ERASE_LINE_END = '\x1b[K';
const ERASE_BELOW = '\x1b[J';
const HIDE_CURSOR = '\x1b[?25l';
const SHOW_CURSOR = '\x1b[?25h';

export async function main(args: string[]): Promise<number> {
  let manager: BaseManager | undefined;
  try {
    const flags = parseFlags(args, FLAGS);
    if (flags.help === true) {
      process.stdout.write(HELP);
      return 0;
    }
    const views = (['objects', 'clients', 'queues'] as const).filter((v) => flags[v] === true);
    if (views.length > 1) throw new CommandLineError('give at most one of --objects, --clients, --queues');
    const view: InspectView = views[0] ?? 'all';
    const watch = numberFlag('watch', flags.watch, { min: 0.1 });
    const maxObjects = numberFlag('limit', flags.limit, { integer: true }) ?? 100;
    const target = await targetFrom(flags);
    manager = await connectTo(target);
    const json = flags.json === true;
    const snapshot = (): Promise<ServerDescription> => (json ? describeAll(manager!, view) : describePage(manager!, view, maxObjects));
    const render = (d: ServerDescription): string => (json ? JSON.stringify(d, null, watch === undefined ? 2 : undefined) + '\n' : formatDescription(d, { view, maxObjects }));
    if (watch === undefined) {
      process.stdout.write(render(await snapshot()));
      return 0;
    }
    // Off a terminal, snapshots follow each other: JSON one per line, tables a blank line apart.
    return await watchLoop(snapshot, render, watch, !json && process.stdout.isTTY === true, json ? '' : '\n');
  } catch (error) {
    if (error instanceof CommandLineError) {
      process.stderr.write(`mpmanagers inspect: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`mpmanagers inspect: ${failureReason(error)}\n`);
    return 1;
  } finally {
    await manager?.close();
  }
}

/** Redraws until SIGINT/SIGTERM (exit 0) or a failed describe (thrown: exit 1). */
async function watchLoop(
  snapshot: () => Promise<ServerDescription>,
  render: (d: ServerDescription) => string,
  seconds: number,
  inPlace: boolean,
  separator: string,
): Promise<number> {
  let stopped = false;
  let wake: (() => void) | undefined;
  const stop = (): void => {
    stopped = true;
    wake?.();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  if (inPlace) process.stdout.write(HIDE_CURSOR + CLEAR_SCREEN);
  try {
    while (!stopped) {
      const text = render(await snapshot());
      if (inPlace) {
        // Overwrite the previous frame line by line, then erase what is left of it: no flicker.
        const frame = text.replace(/\n/g, `${ERASE_LINE_END}\n`);
        process.stdout.write(`${HOME}${frame}${ERASE_BELOW}`);
      } else {
        process.stdout.write(text + separator);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, seconds * 1000);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return 0;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    if (inPlace) process.stdout.write(SHOW_CURSOR);
  }
}

/** One page: what a table shows (the clients table needs no objects). */
function describePage(manager: BaseManager, view: InspectView, maxObjects: number): Promise<ServerDescription> {
  const objects = view !== 'clients';
  // The queues view filters after fetching, so it asks for a full page.
  const limit = view === 'queues' ? undefined : Math.min(Math.max(maxObjects, 1), 10_000);
  return manager._describe({ objects, clients: view === 'all' || view === 'clients', objectsLimit: limit });
}

/** Every page of objects, joined into one description (for --json). */
async function describeAll(manager: BaseManager, view: InspectView): Promise<ServerDescription> {
  const clients = view === 'all' || view === 'clients';
  const first = await manager._describe({ objects: view !== 'clients', clients });
  let next = first.nextObjectsOffset;
  while (next !== null) {
    const page = await manager._describe({ objectsOffset: next, clients: false });
    first.objects.push(...page.objects);
    next = page.nextObjectsOffset;
  }
  first.nextObjectsOffset = null;
  if (view === 'queues') first.objects = first.objects.filter((o) => o.details?.type === 'queue');
  return first;
}
