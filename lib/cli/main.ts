#!/usr/bin/env node
// The `mpmanagers` command: `mpmanagers <command> [flags]`. Each command is a module of commands/
// exporting `main(args): Promise<exit code>`, loaded only when run (so `--help` and `ping` do not
// load the server side). To add a command: one file in commands/, one line in COMMANDS.
// Exit codes: 0 done, 1 the command failed (ping: no answer), 2 a usage error (one line, no stack).
import { UsageError } from './usage.js';
import { VERSION } from '../version.js';

interface Command {
  summary: string;
  load(): Promise<{ main(args: string[]): Promise<number> }>;
}

const COMMANDS: Record<string, Command> = {
  serve: { summary: 'run a SyncManager (or your manager class) as a long-lived server', load: () => import('./commands/serve.js') },
  inspect: { summary: "print a server's objects, clients and counters (tables or --json; --watch S redraws)", load: () => import('./commands/inspect.js') },
  dashboard: { summary: 'serve a live web page of a running server (127.0.0.1 by default)', load: () => import('./commands/dashboard.js') },
  ping: { summary: 'connect, authenticate, print the round-trip time and the server version', load: () => import('./commands/ping.js') },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`);
  return `usage: mpmanagers <command> [flags]   (mpmanagers <command> --help for its flags)\n\ncommands:\n${lines.join('\n')}\n`;
}

async function run(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`mpmanagers ${VERSION}\n`);
    return 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command === undefined) {
    process.stderr.write(`mpmanagers: unknown command '${name}'\n${usage()}`);
    return 2;
  }
  try {
    return await (await command.load()).main(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error; // a bug: its stack is wanted
    process.stderr.write(`mpmanagers ${name}: ${error.message}\n`);
    return 2;
  }
}

process.exitCode = await run(process.argv.slice(2));
