// Summarises .cpuprofile files (written by `npm run bench -- --profile`): the functions with the
// most self time, and the share of the profile each takes.
//   node --import tsx bench/tools/profileTop.ts FILE.cpuprofile [--top=30]
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '30' } } });
for (const file of positionals) {
  const profile = JSON.parse(await readFile(file, 'utf8')) as Profile;
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfMicros = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    const frame = byNode.get(id)!.callFrame;
    const where = frame.url ? `${path.basename(frame.url)}:${frame.lineNumber + 1}` : '';
    const name = `${frame.functionName || '(anonymous)'} ${where}`.trim();
    selfMicros.set(name, (selfMicros.get(name) ?? 0) + delta);
    total += delta;
  });
  const idle = selfMicros.get('(idle)') ?? 0;
  console.log(`${file}: ${(total / 1e6).toFixed(2)} s sampled, ${(((total - idle) / total) * 100).toFixed(0)}% busy`);
  const busy = total - idle;
  const top = [...selfMicros].filter(([name]) => name !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, Number(values.top));
  for (const [name, micros] of top) console.log(`${((micros / busy) * 100).toFixed(1).padStart(6)}%  ${name}`);
}
