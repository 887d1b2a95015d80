#!/usr/bin/env node
import { run } from './run.js';

const interrupt = new AbortController();
// First Ctrl-C asks the command to stop cleanly; a second one exits at once.
process.once('SIGINT', () => {
  interrupt.abort();
  process.once('SIGINT', () => process.exit(130));
});
process.once('SIGTERM', () => interrupt.abort());

process.exitCode = await run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  interrupt: interrupt.signal,
});
