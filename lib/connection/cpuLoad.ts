// What the kernel says of the CPUs' load: the machine's run queue, and how long this thread has waited
// for a CPU (read by the handshake's polling, handshakePoll.ts, and the bench's settle step). Each is a
// small file of /proc that the kernel writes afresh on each read, kept open and read whole with one
// pread (~1.6 µs) instead of an open, a read and a close. Nothing where /proc cannot be read.
import fs from 'node:fs';

class ProcFile {
  /** undefined: not opened yet; null: cannot be (not Linux, or no such file). */
  private fd: number | null | undefined;
  private readonly bytes = Buffer.alloc(128);

  constructor(private readonly path: string) {}

  /** The file's text now, or undefined where it cannot be read. */
  read(): string | undefined {
    if (this.fd === undefined) {
      try {
        this.fd = fs.openSync(this.path, 'r');
      } catch {
        this.fd = null;
      }
    }
    if (this.fd === null) return undefined;
    try {
      return this.bytes.toString('latin1', 0, fs.readSync(this.fd, this.bytes, 0, this.bytes.length, 0));
    } catch {
      return undefined;
    }
  }
}

const loadavg = new ProcFile('/proc/loadavg');
// Opened at its first read, by the event loop's thread (the only one that reads it): "thread-self" is that thread.
const schedstat = new ProcFile('/proc/thread-self/schedstat');

/**
 * The machine's runnable threads now (this one included): the 4th field of /proc/loadavg,
 * `runnable/total`. Undefined where it cannot be read (not Linux).
 */
export function runnableThreads(): number | undefined {
  const text = loadavg.read();
  if (text === undefined) return undefined;
  const slash = text.indexOf('/');
  return Number(text.slice(text.lastIndexOf(' ', slash) + 1, slash));
}

/**
 * How long this thread (the event loop's) has spent runnable but waiting for a CPU, in ms: the 2nd
 * field of /proc/thread-self/schedstat, in ns. The kernel adds to it each time the thread gets a
 * CPU back, so it is exact between two reads on this thread (unlike the 1st field, the thread's
 * CPU time, which moves by scheduler ticks). Undefined where it cannot be read (not Linux).
 */
export function runQueueWaitMs(): number | undefined {
  const text = schedstat.read();
  if (text === undefined) return undefined;
  const start = text.indexOf(' ') + 1;
  return Number(text.slice(start, text.indexOf(' ', start))) / 1e6;
}
