import type { CliCommand } from './command';

/** All sub-commands; each src/cli/commands/<name>.ts calls register() and is imported from commands/index.ts. */
export const commands: CliCommand[] = [];

export function register(c: CliCommand): void {
  commands.push(c);
}
