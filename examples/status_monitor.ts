// A child process reports its status in a managed Value (WAITING → INPROCESS → FINISHED); the parent
// polls it and terminates a job that is still in process when its deadline passes.
//   node --import tsx examples/status_monitor.ts [deadline seconds]
import { SyncManager, Process, isMainModule, type ValueProxy } from '../lib/index.js';

const WAITING = 0;
const INPROCESS = 1;
const FINISHED = 2;
const STATUS_NAMES = ['WAITING', 'INPROCESS', 'FINISHED'];

const sleep = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

/** The job, in a child process: some waiting, then `seconds` of work. */
export async function job(status: ValueProxy<number>, seconds: number): Promise<void> {
  await sleep(0.5);
  await status.set(INPROCESS);
  await sleep(seconds);
  await status.set(FINISHED);
}

/** Starts a job and watches its status; terminates it once it has been INPROCESS for `deadline` seconds. */
async function monitor(manager: SyncManager, name: string, seconds: number, deadline: number): Promise<void> {
  const status = await manager.Value('i', WAITING);
  const p = new Process({ module: import.meta.url, export: 'job', args: [status, seconds], name });
  p.start();
  let seen = -1;
  let inProcessSince = 0;
  for (;;) {
    const current = await status.get();
    if (current !== seen) {
      console.log(`${name}: ${STATUS_NAMES[current]}`);
      seen = current;
      if (current === INPROCESS) inProcessSince = Date.now();
    }
    if (current === FINISHED) {
      console.log(`${name}: done, exit code ${await p.join()}`);
      return;
    }
    if (current === INPROCESS && Date.now() - inProcessSince > deadline * 1000) {
      p.terminate();
      console.log(`${name}: still INPROCESS after the ${deadline} s deadline: terminated, exit code ${await p.join()}`);
      return;
    }
    await sleep(0.1);
  }
}

if (isMainModule(import.meta.url)) {
  const deadline = Number(process.argv[2] ?? 2);
  await using manager = new SyncManager();
  await manager.start();
  await Promise.all([monitor(manager, 'quick job', 1, deadline), monitor(manager, 'slow job', 30, deadline)]);
}
