/**
 * The `palette` command line (as a function, for tests and the bin entry). Each command group registers itself; this file wires them
 * and owns the exit codes (0 ok, 1 user error, 2 internal error).
 */
import { Command, CommanderError } from 'commander';
import { registerApplyCommand } from './apply-command.js';
import { registerCatalogCommands } from './catalog-commands.js';
import { registerCompileCommands } from './compile-commands.js';
import { handleFatal } from './exit.js';
import { registerInitCommand } from './init-command.js';
import { registerMaterializeCommands } from './materialize-commands.js';
import { registerOfflineCommands } from './offline-commands.js';
import { registerQuickstartCommand } from './quickstart-command.js';
import { registerServeCommands } from './serve-commands.js';
import { registerUploadCommand } from './upload-command.js';
import { registerVerifyCommand } from './verify-command.js';

export function buildProgram(): Command {
  const program = new Command('palette')
    .description('Palette: feature definitions compiled to batch jobs, a streaming materializer and a serving sidecar')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerInitCommand(program);
  registerCompileCommands(program);
  registerApplyCommand(program);
  registerOfflineCommands(program);
  registerQuickstartCommand(program);
  registerCatalogCommands(program);
  registerMaterializeCommands(program);
  registerUploadCommand(program);
  registerServeCommands(program);
  registerVerifyCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  program.configureOutput({ writeErr: (s) => process.stderr.write(s) });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; usage errors are user errors.
      return err.exitCode === 0 ? 0 : 1;
    }
    return handleFatal(err);
  }
}
