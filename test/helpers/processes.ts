// Processes a test starts are killed after it if still alive (a failed assertion must not leave a
// child waiting for ever, which would keep mocha from exiting).
import type { Process } from '../../lib/index.js';

/** Call inside a `describe`; returns `started(p)`, which starts `p` and tracks it. */
export function killLeftoverProcesses(): (p: Process) => Process {
  const running: Process[] = [];
  afterEach(async () => {
    for (const p of running.splice(0)) {
      if (!p.isAlive()) continue;
      p.kill();
      await p.join(30);
    }
  });
  return (p) => {
    running.push(p);
    p.start();
    return p;
  };
}
