// The long load-and-soak run: `pnpm --filter @klingkit/soak soak [--requests N] [--connections N]`.
// Prints a Markdown summary and exits 1 when a check fails. See ../README.md for the last measured run.
import { parseArgs } from 'node:util';
import { runSoak, verdicts } from './soak-run.mjs';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '1000000' },
    connections: { type: 'string', default: '50' },
    'max-tasks': { type: 'string', default: '20000' },
  },
});
/** @param {'requests' | 'connections' | 'max-tasks'} name */
const whole = (name) => {
  const value = Number(values[name]);
  if (!Number.isInteger(value) || value < 1) {
    process.stderr.write(
      `soak: --${name} must be a whole number >= 1; got ${JSON.stringify(values[name])}\n`,
    );
    process.exit(2);
  }
  return value;
};

const summary = await runSoak({
  requests: whole('requests'),
  connections: whole('connections'),
  maxTasks: whole('max-tasks'),
  log: (line) => process.stderr.write(`${line}\n`),
});
const results = verdicts(summary, { checkMemory: true });
const statuses = Object.entries(summary.statuses)
  .map(([status, count]) => `${status}: ${count.toLocaleString('en')}`)
  .join(', ');
process.stdout.write(
  [
    `${summary.requests.toLocaleString('en')} requests in ${summary.seconds.toFixed(1)} s ` +
      `(${summary.requestsPerSecond.toLocaleString('en')} req/s); statuses ${statuses}; ` +
      `RSS ${summary.rss.afterWarmupMb.toFixed(0)} MB after warm-up, ${summary.rss.endMb.toFixed(0)} MB at the end`,
    '',
    '| check | measured | result |',
    '| ----- | -------- | ------ |',
    ...results.map(({ check, ok, value }) => `| ${check} | ${value} | ${ok ? 'pass' : 'FAIL'} |`),
    '',
  ].join('\n'),
);
process.exit(results.every(({ ok }) => ok) ? 0 : 1);
