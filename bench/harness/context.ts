// Everything a row needs to take its measurements: the servers (mpmanagers, CPython and the floor,
// per transport), the client processes (a pool of Node clients, one CPython client that forks), the
// job parameters, and repetitions interleaved across systems so that noise hits them alike.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type { Build } from './build.js';
import type { BenchOptions, Transport } from './options.js';
import { WorkerProcess, type WorkerSpec } from './processes.js';
import { fileLatency, noteLatency } from './results.js';

export type ServerKind = 'mp' | 'py' | 'floor' | 'mpPickle';

/** The interpreter the CPython side runs on (python3.11 here); BENCH_PYTHON overrides it. */
export const PYTHON = process.env.BENCH_PYTHON ?? 'python3';

export class Bench {
  readonly authkey = randomBytes(16).toString('hex');

  constructor(
    readonly root: string,
    readonly options: BenchOptions,
    private readonly build: Build,
  ) {}

  /** The long-lived server of one kind on one transport (started on first use). */
  server(kind: ServerKind, transport: Transport): Promise<WorkerProcess> {
    const key = `${kind}-${transport}`;
    let server = this.servers.get(key);
    if (server === undefined) {
      server = this.startServer(kind, transport, `${kind} server (${transport})`);
      this.servers.set(key, server);
    }
    return server;
  }

  /** A new server the caller owns (memory rows measure a server that did nothing else); stop() it. */
  freshServer(kind: 'mp' | 'py', label: string): Promise<WorkerProcess> {
    return this.startServer(kind, 'tcp', label).then((server) => this.track(server));
  }

  /** A new Node client process the caller owns (the row-order probe compares it with the pool's); stop() it. */
  freshNodeClient(label: string): Promise<WorkerProcess> {
    return this.startNode(label, 'bench/workers/client.ts', []).then((client) => this.track(client));
  }

  /** The first `count` Node client processes (the pool grows as needed). */
  async nodeClients(count: number): Promise<WorkerProcess[]> {
    while (this.nodePool.length < count) {
      const index = this.nodePool.length;
      this.nodePool.push(this.startNode(`node client ${index}`, 'bench/workers/client.ts', []));
    }
    return Promise.all(this.nodePool.slice(0, count));
  }

  async nodeClient(): Promise<WorkerProcess> {
    return (await this.nodeClients(1))[0];
  }

  /** The CPython client process (it forks the other client processes a job needs). */
  pyClient(): Promise<WorkerProcess> {
    this.pyClientProcess ??= this.start({
      label: 'python client',
      command: PYTHON,
      args: [path.join(this.root, 'bench/python/bench_client.py')],
    });
    return this.pyClientProcess;
  }

  /** Job parameters: where to connect, the key, warm-up and window from the options, plus `extra`. */
  params(server: WorkerProcess, extra: Record<string, unknown> = {}): Record<string, unknown> {
    const { warmup, duration } = this.options.sizes;
    return { address: server.info.address, authkey: this.authkey, warmup, duration, ...extra };
  }

  /**
   * Runs `reps` rounds; each round measures every system once, in order. Returns the values by
   * system. Interleaving (rather than all of one system, then all of the next) spreads the
   * machine's noise over all systems alike, which is what keeps the ratios honest. One round
   * before them is discarded (unless --quick): a process's first calls of a kind run before V8 has
   * optimised them.
   */
  async rounds<K extends string>(reps: number, systems: Record<K, () => Promise<number>>): Promise<Record<K, number[]>> {
    const names = Object.keys(systems) as K[];
    if (this.options.sizes.warmupRounds > 0) for (const name of names) await systems[name]();
    noteLatency(undefined); // the warm-up round's latencies are not the row's
    const values = {} as Record<K, number[]>;
    for (const name of names) values[name] = [];
    for (let rep = 0; rep < reps; rep++) {
      for (const name of names) {
        values[name].push(await systems[name]());
        fileLatency(name);
      }
    }
    return values;
  }

  /** Where a bench source's runnable script is (plain JavaScript unless --tsx). */
  scriptFor(source: string): string {
    return this.build.scriptFor(source);
  }

  /** Stops every process started. */
  async stop(): Promise<void> {
    const all = [...this.servers.values(), ...this.nodePool, ...(this.pyClientProcess ? [this.pyClientProcess] : [])];
    const started = await Promise.allSettled(all);
    const workers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    await Promise.all([...workers, ...this.owned].map((worker) => worker.stop()));
  }

  private readonly servers = new Map<string, Promise<WorkerProcess>>();
  private readonly nodePool: Promise<WorkerProcess>[] = [];
  private pyClientProcess: Promise<WorkerProcess> | undefined;
  private readonly owned = new Set<WorkerProcess>();

  private startServer(kind: ServerKind, transport: Transport, label: string): Promise<WorkerProcess> {
    const where = transport === 'tcp' ? ['--tcp'] : ['--unix', this.socketPath(label)];
    switch (kind) {
      case 'mp':
        return this.startNode(label, 'bench/workers/mpServer.ts', ['--authkey', this.authkey, ...where], ['--expose-gc']);
      case 'mpPickle':
        return this.startNode(label, 'bench/workers/mpServer.ts', ['--authkey', this.authkey, '--pickle', ...where]);
      case 'floor':
        return this.startNode(label, 'bench/workers/floorServer.ts', where);
      case 'py':
        return this.start({
          label,
          command: PYTHON,
          args: [path.join(this.root, 'bench/python/bench_server.py'), '--authkey', this.authkey, ...where],
        });
    }
  }

  /**
   * A Node worker. Through `sh` so that its open-file limit is raised to the hard limit first
   * (10,000 idle clients need as many descriptors; Node cannot raise its own limit).
   */
  private startNode(label: string, source: string, args: string[], nodeFlags: string[] = []): Promise<WorkerProcess> {
    const flags = [...nodeFlags];
    if (this.options.tsx) flags.push(...process.execArgv);
    if (this.options.profile) {
      const dir = path.join(this.root, 'bench/results/profiles', label.replace(/[^a-z0-9]+/gi, '-'));
      flags.push('--cpu-prof', `--cpu-prof-dir=${dir}`);
    }
    return this.start({
      label,
      command: 'sh',
      args: ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"', 'sh', process.execPath, ...flags, this.build.scriptFor(source), ...args],
    });
  }

  private start(spec: WorkerSpec): Promise<WorkerProcess> {
    return WorkerProcess.start(spec);
  }

  private track(worker: WorkerProcess): WorkerProcess {
    this.owned.add(worker);
    return worker;
  }

  private socketPath(label: string): string {
    return path.join(os.tmpdir(), `mpm-bench-${process.pid}-${label.replace(/[^a-z0-9]+/gi, '-')}.sock`);
  }
}
