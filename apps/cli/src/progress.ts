import { printable, safe } from './printable.js';

/** Shows a waiting task: a live line on a terminal, one plain line per status change otherwise. */
export interface Progress {
  update(task: { task_id: string; task_status: string }): void;
  stop(): void;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function createProgress(
  stream: NodeJS.WritableStream & { isTTY?: boolean },
  started = Date.now(),
): Progress {
  let last: { task_id: string; task_status: string } | undefined;
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
  if (!stream.isTTY) {
    return {
      update(task) {
        if (task.task_status !== last?.task_status)
          stream.write(safe`${task.task_status} after ${elapsed()} (task ${task.task_id})\n`);
        last = task;
      },
      stop() {},
    };
  }
  let frame = 0;
  const draw = () => {
    if (!last) return;
    // The CLI's own sequences (CR, erase line) are written as such; the server's text is escaped.
    stream.write(
      `\r\x1b[2K${FRAMES[frame++ % FRAMES.length]} ${printable(last.task_status).padEnd(10)} ${elapsed().padStart(7)}  task ${printable(last.task_id)}`,
    );
  };
  const timer = setInterval(draw, 100);
  timer.unref();
  return {
    update(task) {
      last = task;
      draw();
    },
    stop() {
      clearInterval(timer);
      if (last) stream.write('\r\x1b[2K');
    },
  };
}
