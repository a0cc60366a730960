// Helpers for the sync tests: timing and rejections, proxies shared between client connections, and
// child client processes (the scripts in test/fixtures/sync/).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { SyncManager, type BaseManager } from '../../lib/index.js';
import { proxyRef, type SharedRef } from '../../lib/manager/baseManager.js';
import type { BaseProxy } from '../../lib/proxies/base.js';
import { eventually, serve, type Served } from '../helpers/servers.js';
import type { ScriptedClientInput, ScriptStep } from '../fixtures/sync/scriptedClient.js';

export { sleep, eventually } from '../helpers/servers.js';

/** Python's TIMEOUT1..3 in _test_multiprocessing. */
export const TIMEOUT = 0.1;

export { rejectionOf } from '../helpers/assertions.js';

/** Awaits `promise`; returns the seconds it took with its value or error. */
export async function timed<T>(promise: Promise<T>): Promise<{ seconds: number; value?: T; error?: Error }> {
  const start = performance.now();
  try {
    const value = await promise;
    return { seconds: (performance.now() - start) / 1000, value };
  } catch (error) {
    return { seconds: (performance.now() - start) / 1000, error: error as Error };
  }
}

/** A timed wait took about `expected` seconds: never early, late within a generous bound (2 shared cores). */
export function expectAbout(seconds: number, expected: number): void {
  expect(seconds).to.be.at.least(expected * 0.9 - 0.005);
  expect(seconds).to.be.below(expected + 1.5);
}

/** A call that must not wait returned at once: one round trip, on a machine that may be loaded. */
export function expectQuick(seconds: number): void {
  expect(seconds).to.be.below(1);
}

/** A timeout long enough that a call wrongly waiting for it fails expectQuick. */
export const LONG_TIMEOUT = 3;

/** Whether `promise` has settled once every reply the server sent `manager` before now has arrived. */
export async function settledYet(promise: Promise<unknown>, manager: BaseManager): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  // Replies on one connection arrive in the order the server wrote them.
  await manager._numberOfObjects();
  await new Promise((resolve) => setImmediate(resolve));
  return settled;
}

/** A proxy for the same shared object, on another client's connection. */
export function shareWith<P extends BaseProxy>(proxy: P, manager: BaseManager): Promise<P> {
  return manager._proxyFromRef(proxyRef(proxy)) as Promise<P>;
}

/** Resolves once the server has closed every connection beyond `count`. */
export function untilConnections(served: Served<BaseManager>, count: number): Promise<void> {
  return eventually(() => served.server.connectionCount <= count, 10);
}

const FIXTURES = fileURLToPath(new URL('../fixtures/sync/', import.meta.url));

/** A child Node process running a fixture script; its stdout is read line by line. */
export class ChildClient {
  readonly process: ChildProcess;
  readonly exited: Promise<void>;
  readonly #lines: string[] = [];
  #stderr = '';
  #wake: (() => void) | undefined;

  constructor(fixture: string, args: string[]) {
    this.process = spawn(process.execPath, ['--import', 'tsx', FIXTURES + fixture, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    readline.createInterface({ input: this.process.stdout! }).on('line', (line) => {
      this.#lines.push(line);
      this.#wake?.();
    });
    this.process.stderr!.on('data', (chunk: Buffer) => (this.#stderr += chunk.toString()));
    this.exited = once(this.process, 'exit').then(() => this.#wake?.());
  }

  get alive(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  /** The first line (since the start) that begins with `prefix`; fails if the child exits or `seconds` pass first. */
  async line(prefix: string, seconds = 20): Promise<string> {
    const deadline = Date.now() + seconds * 1000;
    for (;;) {
      const found = this.#lines.find((line) => line.startsWith(prefix));
      if (found !== undefined) return found;
      if (!this.alive) throw new Error(`the child exited before printing ${prefix}: ${this.#stderr}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${prefix} line from the child within ${seconds} s: ${this.#stderr}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Writes one line to the child's stdin. */
  send(line: string): void {
    this.process.stdin!.write(line + '\n');
  }

  /** SIGKILL, and resolves once the process is gone. */
  async kill(): Promise<void> {
    if (this.alive) this.process.kill('SIGKILL');
    await this.exited;
  }

  /** Closes stdin (the fixtures exit on EOF) and waits for the exit. */
  async end(): Promise<void> {
    this.process.stdin!.end();
    await this.exited;
  }
}

/** Runs test/fixtures/sync/scriptedClient.ts against `served` and waits for its READY line. */
export async function startScriptedClient(
  served: Served<BaseManager>,
  proxies: BaseProxy[],
  steps: ScriptStep[],
): Promise<ChildClient> {
  const input: ScriptedClientInput = {
    address: served.address,
    authkey: Buffer.from(served.authkey).toString(),
    refs: proxies.map((proxy): SharedRef => proxyRef(proxy)),
    steps,
  };
  const child = new ChildClient('scriptedClient.ts', [JSON.stringify(input)]);
  try {
    await child.line('READY');
  } catch (error) {
    await child.kill(); // a child left running would keep mocha from exiting
    throw error;
  }
  return child;
}

/** A server and two clients on connections of their own: the setup of most suites here. */
export async function serveTwoClients(): Promise<{ served: Served<SyncManager>; a: SyncManager; b: SyncManager }> {
  const served = await serve(SyncManager);
  return { served, a: await served.client(), b: await served.client() };
}
