// A small file of /proc (a few dozen bytes the kernel writes afresh on each read), kept open and
// read whole from its start on each call: one pread instead of an open, a read and a close.
import fs from 'node:fs';

export class ProcFile {
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
