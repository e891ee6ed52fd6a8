/** Entry point of the `palette` binary (bin/palette.js imports the compiled form). */
import { main } from './program.js';

process.exitCode = await main(process.argv.slice(2));
