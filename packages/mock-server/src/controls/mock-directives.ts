import type { OperationKind } from '../http/api-call.js';
import type { PlannedOutcome } from '../outcomes/outcomes.js';
import type { DocumentedErrorCode } from '../validation/spec.js';
import { CONTROL_LIMITS, CONTROL_RANGES, checkNumber, describeRange, type Range } from './control-bounds.js';

/**
 * The request header through which a test steers one API request of its own (in the spirit of Prism's
 * `Prefer`), e.g. `X-Kling-Mock: code=1303; retry-after=2`. It is honoured only from callers the controls
 * would answer (see `control-access.ts`), and the API's CORS preflight does not allow it, so no web page
 * on another origin can send it.
 */
export const MOCK_DIRECTIVES_HEADER = 'x-kling-mock';

/** What one request asked for; only built when the header is present. */
export interface MockDirectives {
  /** Answer with this business code (and the status the spec gives it) instead of running the request. */
  code?: DocumentedErrorCode;
  /** The `Retry-After` of that answer, in seconds. */
  retryAfterSeconds?: number;
  /** How the task this create makes ends. */
  outcome?: PlannedOutcome;
  /** Real-time delay of this answer, in place of the configured `faults.latencyMs`. */
  latencyMs?: number;
}

/** What the parser checks values against: the spec's codes, read once by the mock. */
export interface DirectiveCodes {
  /** Every code the spec documents (code -> HTTP status). */
  statuses: ReadonlyMap<number, number>;
  /** The codes whose answers may carry `Retry-After`. */
  retryAfter: ReadonlySet<number>;
}

const DIRECTIVES = ['code', 'retry-after', 'outcome', 'message', 'latency'] as const;
type Directive = (typeof DIRECTIVES)[number];
const OUTCOMES = ['succeed', 'failed'] as const;
/** Far more than any directive list needs; a longer header is refused before it is parsed. */
const MAX_HEADER_CHARS = 2048;
const DIRECTED_FAILURE = 'Task failed as requested by the X-Kling-Mock header';

/**
 * The header's value as directives: `name=value` pairs separated by `;`, with optional spaces around them;
 * a value is a token (`1303`, `failed`) or a quoted string (`"a; b"`, with `\"` and `\\`). Names and their
 * enumerated values are case-insensitive. Parsed strictly: an unknown name, a repeated one, a value out of
 * range or a combination that cannot apply is a RangeError naming the directive and what it takes, so a test
 * never believes it steered a request that the mock answered as usual.
 */
export function parseMockDirectives(
  value: string,
  kind: OperationKind | undefined,
  codes: DirectiveCodes,
): MockDirectives {
  if (value.length > MAX_HEADER_CHARS)
    throw new RangeError(`the header is ${value.length} characters long; at most ${MAX_HEADER_CHARS}`);
  const pairs = readPairs(value);
  if (pairs.size === 0)
    throw new RangeError(`the header is empty; it takes directives such as code=1303; retry-after=2`);

  const directives: MockDirectives = {};
  const code = pairs.get('code');
  if (code !== undefined) {
    const number = /^\d{1,6}$/.test(code) ? Number(code) : Number.NaN;
    if (!codes.statuses.has(number)) {
      throw new RangeError(
        `code must be a business code the spec documents (${[...codes.statuses.keys()].join(', ')}); got ${quote(code)}`,
      );
    }
    directives.code = number as DocumentedErrorCode;
  }
  const retryAfter = pairs.get('retry-after');
  if (retryAfter !== undefined) {
    if (directives.code === undefined || !codes.retryAfter.has(directives.code)) {
      throw new RangeError(
        `retry-after goes with a code whose answer carries Retry-After (${[...codes.retryAfter].join(', ')})${directives.code === undefined ? '' : `; code ${directives.code} does not`}`,
      );
    }
    directives.retryAfterSeconds = numberOf('retry-after', retryAfter, CONTROL_RANGES.retryAfterSeconds);
  }
  const outcome = pairs.get('outcome')?.toLowerCase();
  const message = pairs.get('message');
  if (outcome !== undefined) {
    if (!(OUTCOMES as readonly string[]).includes(outcome))
      throw new RangeError(`outcome must be one of ${OUTCOMES.join(', ')}; got ${quote(outcome)}`);
    if (kind !== 'create')
      throw new RangeError('outcome applies to creates only (POST /v1/images/generations or omni-image)');
    if (directives.code !== undefined)
      throw new RangeError(
        'code and outcome exclude each other: code answers this request with an error, so no task is made',
      );
  }
  if (message !== undefined) {
    if (outcome !== 'failed') throw new RangeError('message goes with outcome=failed');
    if (message.length > CONTROL_LIMITS.messageChars)
      throw new RangeError(
        `message must be at most ${CONTROL_LIMITS.messageChars} characters; got ${message.length}`,
      );
  }
  if (outcome === 'succeed') directives.outcome = { status: 'succeed' };
  if (outcome === 'failed') directives.outcome = { status: 'failed', message: message ?? DIRECTED_FAILURE };
  const latency = pairs.get('latency');
  if (latency !== undefined) directives.latencyMs = numberOf('latency', latency, CONTROL_RANGES.latencyMs);
  return directives;
}

/** The directives by name, read left to right; a malformed pair or a repeated name is a RangeError. */
function readPairs(value: string): Map<Directive, string> {
  const pairs = new Map<Directive, string>();
  let at = 0;
  const skipSpaces = () => {
    while (value[at] === ' ' || value[at] === '\t') at++;
  };
  for (;;) {
    skipSpaces();
    if (at >= value.length) break;
    const nameMatch = /^[A-Za-z][A-Za-z-]*/.exec(value.slice(at, at + 40));
    if (!nameMatch)
      throw new RangeError(`expected a directive name at character ${at + 1}; got ${quote(value.slice(at))}`);
    const name = nameMatch[0].toLowerCase();
    at += nameMatch[0].length;
    if (!(DIRECTIVES as readonly string[]).includes(name))
      throw new RangeError(`unknown directive ${quote(name)}; allowed: ${DIRECTIVES.join(', ')}`);
    if (pairs.has(name as Directive)) throw new RangeError(`directive ${quote(name)} appears twice`);
    skipSpaces();
    if (value[at] !== '=') throw new RangeError(`directive ${quote(name)} needs a value: ${name}=...`);
    at++;
    skipSpaces();
    let text = '';
    if (value[at] === '"') {
      at++;
      for (;;) {
        if (at >= value.length)
          throw new RangeError(`the quoted value of ${quote(name)} has no closing quote`);
        const char = value[at++] as string;
        if (char === '"') break;
        text += char === '\\' && at < value.length ? value[at++] : char;
      }
    } else {
      const end = value.indexOf(';', at);
      text = value.slice(at, end === -1 ? value.length : end).trimEnd();
      at += text.length;
      if (!/^[A-Za-z0-9._-]+$/.test(text))
        throw new RangeError(
          `the value of ${quote(name)} must be a token (letters, digits, . - _) or a quoted string; got ${quote(text)}`,
        );
    }
    pairs.set(name as Directive, text);
    skipSpaces();
    if (at >= value.length) break;
    if (value[at] !== ';')
      throw new RangeError(`expected ';' after the value of ${quote(name)}; got ${quote(value.slice(at))}`);
    at++;
  }
  return pairs;
}

function numberOf(name: string, text: string, range: Range): number {
  const number = (range.whole ? /^\d{1,16}$/ : /^\d{1,16}(\.\d{1,6})?$/).test(text)
    ? Number(text)
    : Number.NaN;
  if (Number.isNaN(number))
    throw new RangeError(`${name} must be ${describeRange(range)}; got ${quote(text)}`);
  return checkNumber(name, number, range);
}

function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}
