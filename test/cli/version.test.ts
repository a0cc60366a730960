// The version the server reports (control operation `version`, `mpmanagers ping`) is package.json's.
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { VERSION } from '../../lib/version.js';

describe('VERSION', () => {
  it("is package.json's version", async () => {
    const manifest = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(VERSION).to.equal(manifest.version);
  });
});
