// A progress bar for the long runs (npm run bench, fuzz, soak): drawn with cli-progress on stderr
// when it is a terminal, absent otherwise, so CI logs stay plain lines. Lines the run prints while
// a bar is shown go through log(), above the bar, instead of tearing it.
import cliProgress from 'cli-progress';

export interface Progress {
  /** `done` of the total; `detail` is shown after the counts. */
  update(done: number, detail?: string): void;
  /** Prints a line (above the bar on a terminal; as is otherwise). */
  log(line: string): void;
  /** Removes the bar (the run goes on printing plainly). */
  stop(): void;
}

/** True when a bar is drawn: stderr is a terminal and CI is not set. */
export function drawsBars(): boolean {
  return process.stderr.isTTY === true && process.env.CI === undefined;
}

export function progress(label: string, total: number, unit: string): Progress {
  if (!drawsBars()) {
    return { update() {}, log: (line) => console.log(line), stop() {} };
  }
  const bars = new cliProgress.MultiBar(
    {
      format: `${label} {bar} {percentage}% | {value}/{total} ${unit} | {detail}`,
      barsize: 30,
      hideCursor: true,
      clearOnComplete: true,
      stopOnComplete: false,
      stream: process.stderr,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  const bar = bars.create(total, 0, { detail: '' });
  let stopped = false;
  return {
    update(done, detail = '') {
      if (!stopped) bar.update(Math.min(done, total), { detail });
    },
    log(line) {
      if (stopped) console.log(line);
      else bars.log(`${line}\n`);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      bars.stop();
    },
  };
}
