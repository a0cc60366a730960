// The worker side of the runner's line protocol: one JSON command per stdin line
// ({id, op, params}), one JSON answer per stdout line ({id, ok, result} or {id, ok: false, error}).
// A worker prints {ready: true, ...} first, and exits when stdin closes or on the `exit` command.
import readline from 'node:readline';

export type CommandHandlers = Record<string, (params: any) => unknown>;

/** Announces the worker as ready and serves commands (several may run at once) until told to exit. */
export function serveCommands(handlers: CommandHandlers, readyInfo: Record<string, unknown> = {}): void {
  writeLine({ ready: true, ...readyInfo });
  const lines = readline.createInterface({ input: process.stdin });
  lines.on('line', (line) => void runCommand(handlers, JSON.parse(line) as Command));
  lines.on('close', () => process.exit(0));
}

interface Command {
  id: number;
  op: string;
  params?: unknown;
}

async function runCommand(handlers: CommandHandlers, command: Command): Promise<void> {
  if (command.op === 'exit') {
    // process.exit() (not a kill) lets --cpu-prof write its profile.
    writeLine({ id: command.id, ok: true, result: null }, () => process.exit(0));
    return;
  }
  const handler = handlers[command.op];
  try {
    if (handler === undefined) throw new Error(`unknown op '${command.op}'`);
    writeLine({ id: command.id, ok: true, result: (await handler(command.params ?? {})) ?? null });
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    writeLine({ id: command.id, ok: false, error: message });
  }
}

function writeLine(message: unknown, then?: () => void): void {
  process.stdout.write(`${JSON.stringify(message)}\n`, then);
}
