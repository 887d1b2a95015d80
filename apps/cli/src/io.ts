/** Where a command writes, and how it learns of Ctrl-C; injected so tests run commands in-process. */
export interface CommandIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /** Fires on Ctrl-C (SIGINT). */
  interrupt: AbortSignal;
}
