// `npm run demo`: starts examples/manager_server.ts, runs examples/manager_client.ts three times so
// the shared list visibly grows, then stops the server. Each is a separate Node process.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import readline from 'node:readline';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
// Children run with our own loader flags (ts-node or tsx), so they can load TypeScript too.
const run = (file: string, args: string[]): ChildProcess =>
  spawn(process.execPath, [...process.execArgv, here(file), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });

const server = run('./manager_server.ts', ['0']);
const lines = readline.createInterface({ input: server.stdout! });
const [first] = (await once(lines, 'line')) as [string];
console.log(`[server] ${first}`);
const port = first.split(':').pop()!;
lines.on('line', (line) => console.log(`[server] ${line}`));

for (let i = 1; i <= 3; i++) {
  console.log(`--- client run ${i}`);
  const client = run('./manager_client.ts', [port]);
  client.stdout!.pipe(process.stdout);
  const [code] = (await once(client, 'close')) as [number];
  if (code !== 0) throw new Error(`client run ${i} exited with ${code}`);
}

server.kill('SIGTERM');
const [code] = (await once(server, 'close')) as [number];
console.log(`server exited with code ${code}`);
