// Running the `mpmanagers` command from the sources, as a separate process (under tsx, as the
// tests themselves run): one-shot commands, and `serve` kept running until the test stops it.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(root, 'lib/cli/main.ts');

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Environment for a command: this process's, without an inherited authkey, plus `env`. */
export function cliEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  const base = { ...process.env };
  delete base.MPMANAGERS_AUTHKEY;
  return { ...base, ...env };
}

function spawnCli(args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { env: cliEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs `mpmanagers <args>` to its end (killed after `timeoutSeconds`). */
export function runCli(args: string[], env: Record<string, string> = {}, timeoutSeconds = 30): Promise<CliRun> {
  const child = spawnCli(args, env);
  const output = collect(child);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutSeconds * 1000);
  return new Promise((resolve) =>
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, ...output() });
    }),
  );
}

/** A running `mpmanagers serve`. */
export class Serving {
  readonly address: string;
  private readonly output: () => { stdout: string; stderr: string };
  private readonly ended: Promise<CliRun>;

  private constructor(
    readonly child: ChildProcess,
    address: string,
    output: () => { stdout: string; stderr: string },
    ended: Promise<CliRun>,
  ) {
    this.address = address;
    this.output = output;
    this.ended = ended;
  }

  /** Starts `mpmanagers serve <args>`; resolves once it has printed its `serving on` line. */
  static async start(args: string[], env: Record<string, string> = {}): Promise<Serving> {
    const child = spawnCli(['serve', ...args], env);
    const output = collect(child);
    const ended = new Promise<CliRun>((resolve) => child.once('close', (code, signal) => resolve({ code, signal, ...output() })));
    const address = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve printed nothing in 30 s: ${output().stderr}`)), 30_000);
      const onData = (): void => {
        const match = /^serving on (.+)\n/.exec(output().stdout);
        if (match === null) return;
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve(match[1]);
      };
      child.stdout!.on('data', onData);
      void ended.then((run) => {
        clearTimeout(timer);
        reject(new Error(`serve exited (${run.code}) before serving: ${run.stderr}`));
      });
    });
    return new Serving(child, address, output, ended);
  }

  get stderr(): string {
    return this.output().stderr;
  }

  /** Sends `signal`; resolves with the whole run once the process has exited. */
  stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<CliRun> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.ended;
  }
}

function collect(child: ChildProcess): () => { stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return () => ({ stdout, stderr });
}

/** `host:port` → the address tuple. */
export function tcpAddress(text: string): [string, number] {
  const [host, port] = text.split(':');
  return [host, Number(port)];
}
