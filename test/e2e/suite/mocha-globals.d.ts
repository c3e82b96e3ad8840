// Mocha's tdd interface globals, as they exist inside the suite files loaded by index.ts (no @types/mocha here).
declare function suite(title: string, fn: (this: unknown) => void): void;
declare function test(title: string, fn: (this: { timeout(ms: number): void }) => unknown): void;
declare function suiteSetup(fn: (this: { timeout(ms: number): void }) => unknown): void;
declare function suiteTeardown(fn: () => unknown): void;
declare function setup(fn: () => unknown): void;
declare function teardown(fn: () => unknown): void;
