// The build (scripts/build.mjs) bundles lib/ into shared chunks; only its entry points stay files of
// their own. Every file the library loads by path rather than by import — a child process's script,
// a pool worker's module — must be one of them, or the built package fails where the sources work.
import { expect } from 'chai';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

async function sources(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await sources(full)));
    else if (entry.name.endsWith('.ts')) files.push(full);
  }
  return files;
}

describe('build entry points', () => {
  it('include every module the library loads by path (spawnChild, siblingUrl)', async () => {
    const entries = JSON.parse(await readFile(path.join(root, 'scripts/entries.json'), 'utf8')) as string[];
    const loadedByPath = new Set<string>();
    for (const file of await sources(path.join(root, 'lib'))) {
      const text = await readFile(file, 'utf8');
      const dir = path.relative(path.join(root, 'lib'), path.dirname(file));
      for (const match of text.matchAll(/\b(?:spawnChild|siblingUrl)\('([\w./-]+)'/g)) loadedByPath.add(path.posix.join(dir, match[1]));
    }
    expect([...loadedByPath]).to.include.members(['process/managerChild', 'process/processChild', 'process/poolBootstrap']);
    expect(entries).to.include.members([...loadedByPath, 'index', 'cli/main']);
  });
});
