/** Entry point of the `palette` binary (bin/palette.js imports the compiled form). */
import { main } from './program.js';

// `palette catalog list | head`: when the reader of our output goes away, stop quietly (as
// Unix tools do) instead of dying on an unhandled EPIPE with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

process.exitCode = await main(process.argv.slice(2));
