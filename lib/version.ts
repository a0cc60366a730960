// The library's version, as package.json states it (test/cli/version.test.ts keeps the two equal):
// a constant rather than a read of package.json, whose place differs between lib/ and the build.
export const VERSION = '0.1.0';
