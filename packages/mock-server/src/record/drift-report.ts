/**
 * The drift report: every way the recorded traffic broke the spec, one finding per distinct fact (where,
 * which rule), with how often it happened and its first example. Written as JSON lines (`drift.jsonl`: a
 * `run` line, then one `finding` line each) and as a readable summary (`drift.md`).
 */

/** One problem of one exchange, as the strict checker reports it. */
export interface ExchangeProblem {
  /** JSON pointer into the exchange: `/body/...`, `/query/name`, `/path/id`, `/headers/name` or `/status`. */
  pointer: string;
  rule: string;
  expected: string;
  seen: string;
  spec: string;
}

export interface DriftFinding {
  kind: 'finding';
  /** `request`: the request broke the spec; `answer`: the target's answer did. */
  direction: 'request' | 'answer';
  operation: string;
  method: string;
  /** The operation's path template, e.g. `/v1/images/generations/{id}`. */
  path: string;
  /** For answers: the status whose schema the answer broke. */
  status?: number;
  /** Where, as a JSON pointer into the exchange; `*` stands for any array index. */
  pointer: string;
  /** The rule broken: a JSON Schema keyword (`enum`, `type`, `required`, `unevaluatedProperties`...), `status`, `x-kling-rule <id>`... */
  rule: string;
  /** Where that rule lives in the bundled spec (a JSON pointer into `@klingkit/spec/openapi.json`). */
  spec: string;
  /** What the spec says. */
  expected: string;
  /** What was seen: the distinct values, first seen first (at most 5). */
  seen: string[];
  /** How many exchanges showed it. */
  count: number;
  /** Of how many exchanges of this operation (and, for answers, this status). */
  of: number;
  /** For requests: the statuses the target answered them with (a 2xx means it accepted what the spec refuses). */
  answered?: number[];
  /** The first exchange that showed it: its `seq` in the cassette, the exact pointer, when. */
  first: { seq: number; pointer: string; at: string };
}

export interface DriftRun {
  kind: 'run';
  /** The target's origin (no path, no credentials). */
  target: string;
  started: string;
  ended: string;
  /** Exchanges checked and recorded, by operation, with the statuses seen. */
  exchanges: Record<string, { count: number; statuses: Record<string, number> }>;
  /** Requests the spec has no operation for: forwarded, neither checked nor recorded. */
  unchecked: number;
  /** Requests the target never answered (unreachable, timed out, over `maxBodyBytes`). */
  failed: number;
  /** Findings not kept once `MAX_FINDINGS` distinct ones were held. */
  droppedFindings: number;
  cassette: string;
}

const MAX_FINDINGS = 1000;
const MAX_SEEN = 5;

/** Array indexes in a pointer read `*`: every item of a list is the same place in the spec. */
function generalPointer(pointer: string): string {
  return pointer.replace(/\/\d+(?=\/|$)/g, '/*');
}

export function createDriftReport(target: string, cassette: string) {
  const findings = new Map<string, DriftFinding>();
  const exchanges: DriftRun['exchanges'] = {};
  const started = new Date().toISOString();
  let unchecked = 0;
  let failed = 0;
  let droppedFindings = 0;
  const seenKeys = new Set<string>();

  return {
    /** One checked exchange and its problems (already cleaned of secrets). */
    add(exchange: {
      seq: number;
      operation: string;
      method: string;
      path: string;
      status: number;
      request: ExchangeProblem[];
      answer: ExchangeProblem[];
    }) {
      exchanges[exchange.operation] ??= { count: 0, statuses: {} };
      const stats = exchanges[exchange.operation] as { count: number; statuses: Record<string, number> };
      stats.count++;
      stats.statuses[exchange.status] = (stats.statuses[exchange.status] ?? 0) + 1;
      const at = new Date().toISOString();
      // One exchange counts once per finding, however many items of a list showed it.
      seenKeys.clear();
      for (const [direction, problems] of [
        ['request', exchange.request],
        ['answer', exchange.answer],
      ] as const) {
        for (const problem of problems) {
          const pointer = generalPointer(problem.pointer);
          const status = direction === 'answer' ? exchange.status : undefined;
          const key = JSON.stringify([
            direction,
            exchange.operation,
            status,
            pointer,
            problem.rule,
            problem.spec,
          ]);
          let finding = findings.get(key);
          if (!finding) {
            if (findings.size >= MAX_FINDINGS) {
              droppedFindings++;
              continue;
            }
            finding = {
              kind: 'finding',
              direction,
              operation: exchange.operation,
              method: exchange.method,
              path: exchange.path,
              ...(status !== undefined && { status }),
              pointer,
              rule: problem.rule,
              spec: problem.spec,
              expected: problem.expected,
              seen: [],
              count: 0,
              of: 0,
              ...(direction === 'request' && { answered: [] }),
              first: { seq: exchange.seq, pointer: problem.pointer, at },
            };
            findings.set(key, finding);
          }
          if (finding.seen.length < MAX_SEEN && !finding.seen.includes(problem.seen))
            finding.seen.push(problem.seen);
          if (seenKeys.has(key)) continue;
          seenKeys.add(key);
          finding.count++;
          if (finding.answered && !finding.answered.includes(exchange.status))
            finding.answered.push(exchange.status);
        }
      }
    },
    /** A request the spec does not describe, passed through. */
    unchecked() {
      unchecked++;
    },
    /** A request the target never answered. */
    failed() {
      failed++;
    },
    run(): DriftRun {
      return {
        kind: 'run',
        target,
        started,
        ended: new Date().toISOString(),
        exchanges: structuredClone(exchanges),
        unchecked,
        failed,
        droppedFindings,
        cassette,
      };
    },
    findings(): DriftFinding[] {
      return [...findings.values()].map((finding) => {
        const stats = exchanges[finding.operation];
        const of =
          finding.status === undefined ? (stats?.count ?? 0) : (stats?.statuses[finding.status] ?? 0);
        return { ...structuredClone(finding), of };
      });
    },
  };
}

export type DriftReport = ReturnType<typeof createDriftReport>;

/** Characters that would act on a terminal or reorder text, as JSON `\uXXXX` escapes (still valid JSON). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/g;
function escapeUnsafe(text: string): string {
  return text.replace(UNSAFE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `drift.jsonl`: the run, then each finding, one JSON object a line; nothing in it acts on a terminal. */
export function driftJsonLines(run: DriftRun, findings: readonly DriftFinding[]): string {
  return [run, ...findings].map((line) => `${escapeUnsafe(JSON.stringify(line))}\n`).join('');
}

/** Inline code that no backtick, pipe or control character in `text` can break out of. */
function code(text: string): string {
  const safe = escapeUnsafe(text);
  const longest = Math.max(0, ...[...safe.matchAll(/`+/g)].map((run) => run[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = safe.startsWith('`') || safe.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${safe}${pad}${fence}`;
}

/** `drift.md`: the same report for a person. */
export function driftSummary(run: DriftRun, findings: readonly DriftFinding[]): string {
  const lines = [
    '# Drift report',
    '',
    `Target ${code(run.target)}, recorded from ${run.started} to ${run.ended}; cassette ${code(run.cassette)}.`,
    '',
    '| operation | exchanges | statuses |',
    '| --- | --- | --- |',
    ...Object.entries(run.exchanges).map(
      ([operation, { count, statuses }]) =>
        `| ${operation} | ${count} | ${Object.entries(statuses)
          .map(([status, n]) => `${status} × ${n}`)
          .join(', ')} |`,
    ),
    '',
  ];
  if (run.unchecked > 0)
    lines.push(
      `${run.unchecked} request(s) the spec has no operation for were passed through unchecked.`,
      '',
    );
  if (run.failed > 0) lines.push(`${run.failed} request(s) got no answer from the target.`, '');
  if (run.droppedFindings > 0)
    lines.push(`${run.droppedFindings} further finding(s) were not kept (at most ${MAX_FINDINGS}).`, '');
  lines.push(
    findings.length === 0
      ? 'No drift: every recorded request and answer matched the spec. Operations not exercised above were not checked.'
      : `## ${findings.length} finding(s)`,
    '',
  );
  findings.forEach((finding, index) => {
    const where =
      finding.direction === 'answer'
        ? `answer ${finding.status} of ${finding.operation}`
        : `request of ${finding.operation}`;
    lines.push(
      `### ${index + 1}. ${where}: ${code(finding.pointer)}`,
      '',
      `- rule: ${code(finding.rule)}, in the spec at ${code(finding.spec)}`,
      `- the spec says: ${code(finding.expected)}`,
      `- seen: ${finding.seen.map(code).join(', ')}`,
      `- how often: ${finding.count} of ${finding.of} ${finding.direction === 'answer' ? `${finding.status} answers` : 'requests'} of ${finding.method} ${code(finding.path)}`,
      ...(finding.answered ? [`- answered with: ${finding.answered.join(', ')}`] : []),
      `- first example: cassette entry ${finding.first.seq} (${code(finding.first.pointer)}), ${finding.first.at}`,
      '',
    );
  });
  return lines.join('\n');
}
