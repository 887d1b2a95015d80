import {
  createWriteStream,
  existsSync,
  mkdirSync,
  renameSync,
  type WriteStream,
  writeFileSync,
} from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { TaskFamily } from '@klingkit/client';
import { isLoopbackHost } from '../controls/control-access.js';
import { CONTROL_RANGES, checkNumber } from '../controls/control-bounds.js';
import { failure } from '../http/envelope.js';
import type { MockRequest, MockResponse } from '../http/mock-request.js';
import { createNodeListener, type ListenOptions } from '../http/node-listener.js';
import { loadCompiledSchemas, REQUEST_SCHEMAS } from '../validation/compiled-schemas.js';
import { createRequestValidator } from '../validation/request-validator.js';
import { loadSpec, specSha256 } from '../validation/spec.js';
import {
  CASSETTE_SUFFIX,
  CASSETTE_VERSION,
  type CassetteEntry,
  cleanJson,
  cleanQuery,
  isSecretName,
  operationOf,
  REDACTED,
  scrubText,
} from './cassette.js';
import {
  createDriftReport,
  type DriftFinding,
  type DriftRun,
  driftJsonLines,
  driftSummary,
  type ExchangeProblem,
} from './drift-report.js';

export interface RecorderOptions {
  /**
   * The API to forward to: an http(s) base URL (a path prefix is fine), e.g.
   * `https://api-singapore.klingai.com`. No user name, password, query or fragment.
   */
  target: string;
  /** The directory for the cassette and the report; created if missing. Files of an earlier run are never overwritten. */
  out: string;
  /** Cassette file name without `.cassette.jsonl`. Default `recording`. */
  name?: string;
  /** Largest request body and largest answer body, in bytes. Default 64 MiB, like the mock's `maxBodyBytes`. */
  maxBodyBytes?: number;
  /** How long the target has to answer one request, in ms. Default 120 000. */
  timeoutMs?: number;
}

export interface Recorder {
  /** Serves the recording proxy (127.0.0.1 and a free port by default); resolves with its base URL. */
  listen(options?: ListenOptions): Promise<string>;
  /** Stops the proxy (in-flight requests finish), writes the final report, and resolves with it. */
  close(): Promise<{ run: DriftRun; findings: DriftFinding[] }>;
  /** The findings so far. */
  findings(): DriftFinding[];
  /** The files the run writes. */
  files: { cassette: string; report: string; summary: string };
}

/** Request headers the target gets: what the API reads. Nothing else (cookies, proxies' headers) leaves. */
const FORWARDED_REQUEST_HEADERS = [
  'authorization',
  'content-type',
  'accept',
  'accept-language',
  'user-agent',
];
/** Answer headers that describe one connection or an encoding fetch has undone: never passed on. */
const DROPPED_ANSWER_HEADERS = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'content-length',
  'content-encoding',
  // Several cookies cannot pass through one header value, and the API sets none a client needs.
  'set-cookie',
]);
/** Answer headers a cassette keeps: what a client reads. */
const RECORDED_ANSWER_HEADERS = ['content-type', 'retry-after'];
const DEFAULT_TIMEOUT_MS = 120_000;
const MAX_PROBLEMS = 100;
/** The report is rewritten at most this often while a run goes on, and once at the end. */
const REPORT_INTERVAL_MS = 1000;
const BODY_TEXT_CHARS = 1000;
const SENDABLE_HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * The first problem of each kind (place, array indexes aside, and rule), at most `MAX_PROBLEMS`: a list of
 * 500 drifted tasks is one finding per field, not 500, and a later kind is not lost behind them.
 */
function distinct(problems: readonly ExchangeProblem[]): ExchangeProblem[] {
  const kept = new Map<string, ExchangeProblem>();
  for (const problem of problems) {
    const key = `${problem.pointer.replace(/\/\d+(?=\/|$)/g, '/*')} ${problem.rule} ${problem.spec}`;
    if (!kept.has(key)) kept.set(key, problem);
    if (kept.size >= MAX_PROBLEMS) break;
  }
  return [...kept.values()];
}

/** `target` parsed: http(s), no credentials, query or fragment; a trailing slash dropped. */
export function checkedTarget(target: string): { origin: string; prefix: string } {
  const url = typeof target === 'string' && URL.canParse(target) ? new URL(target) : undefined;
  if (!url || !/^https?:$/.test(url.protocol) || url.username || url.password || url.search || url.hash)
    throw new RangeError(
      `target must be an http(s) base URL with no user name, password, query or fragment (a path prefix is fine), e.g. https://api-singapore.klingai.com; got ${JSON.stringify(String(target).slice(0, 200))}`,
    );
  return { origin: url.origin, prefix: url.pathname.replace(/\/+$/, '') };
}

/**
 * `kling-mock record`: a forwarding proxy between an app (or the CLI) and the Kling API. Each request under
 * `/v1/` goes to the target with the credentials the app sent, and only there; each exchange the spec
 * describes is checked strictly (`@klingkit/spec/conformance`: undocumented answer fields, bad requests) and
 * written to a cassette, cleaned of credentials and tokens. At the end (and every second while findings
 * change) the drift report is written.
 */
export function createRecorder(options: RecorderOptions): Recorder {
  const target = checkedTarget(options.target);
  const maxBodyBytes = checkNumber(
    'maxBodyBytes',
    options.maxBodyBytes ?? 64 * 1024 * 1024,
    CONTROL_RANGES.maxBodyBytes,
  );
  const timeoutMs = checkNumber(
    'timeoutMs',
    options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    CONTROL_RANGES.listenTimeoutMs,
  );
  const name = options.name ?? 'recording';
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(name))
    throw new RangeError(
      `name must be 1 to 100 letters, digits, '.', '_' or '-', starting with a letter or digit; got ${JSON.stringify(name.slice(0, 120))}`,
    );
  const files = {
    cassette: join(options.out, `${name}${CASSETTE_SUFFIX}`),
    report: join(options.out, 'drift.jsonl'),
    summary: join(options.out, 'drift.md'),
  };
  const report = createDriftReport(target.origin + target.prefix, `${name}${CASSETTE_SUFFIX}`);
  let checker: Checker | undefined;
  let cassette: WriteStream | undefined;
  let seq = 0;
  let listeningHost = '127.0.0.1';
  let reportDirty = false;
  let reportTimer: NodeJS.Timeout | undefined;

  const writeReport = () => {
    const run = report.run();
    const findings = report.findings();
    // Whole files or none: written beside, then renamed over the last version.
    writeFileSync(`${files.report}.tmp`, driftJsonLines(run, findings));
    renameSync(`${files.report}.tmp`, files.report);
    writeFileSync(`${files.summary}.tmp`, driftSummary(run, findings));
    renameSync(`${files.summary}.tmp`, files.summary);
    reportDirty = false;
    return { run, findings };
  };

  async function handle(request: MockRequest): Promise<MockResponse> {
    const host = request.header('host') ?? '';
    if (!servedHost(host, listeningHost))
      return failure(
        403,
        1000,
        `kling-mock record: Host ${JSON.stringify(host.slice(0, 100))} is not this recorder's (a loopback name, an IP address or the listen host); a page reaching it under another name is refused against DNS rebinding`,
      );
    if (!request.path.startsWith('/v1/'))
      return failure(
        404,
        1203,
        `kling-mock record forwards the API's /v1/ paths only; got ${JSON.stringify(request.path.slice(0, 200))}`,
      );
    const query = request.query.toString();
    const url = new URL(`${target.origin}${target.prefix}${request.path}${query ? `?${query}` : ''}`);
    // URL parsing resolves `..` and `%2e%2e`: whatever the path said, the request must stay under /v1/.
    if (!url.pathname.startsWith(`${target.prefix}/v1/`) || url.origin !== target.origin)
      return failure(400, 1200, 'kling-mock record: the path leaves /v1/ once dot segments are resolved');
    const body =
      request.method === 'GET' || request.method === 'HEAD'
        ? Buffer.alloc(0)
        : await request.body(maxBodyBytes);
    if (body === undefined)
      return failure(
        413,
        1200,
        `kling-mock record: the request body exceeds maxBodyBytes (${maxBodyBytes} bytes); not forwarded`,
      );
    const headers: Record<string, string> = {};
    for (const header of FORWARDED_REQUEST_HEADERS) {
      const value = request.header(header);
      if (value !== null) headers[header] = value;
    }
    const answer = await forward(url, request.method, headers, body, maxBodyBytes, timeoutMs);
    if ('failure' in answer) {
      report.failed();
      return answer.failure;
    }
    const operation = operationOf(request.method, request.path);
    // A browser's preflight is no API request: forwarded, never counted.
    if (!operation && request.method !== 'OPTIONS') report.unchecked();
    else if (operation)
      record(
        request,
        operation,
        query,
        body,
        answer.response,
        checker as Checker,
        request.header('authorization'),
      );
    return answer.response;
  }

  function record(
    request: MockRequest,
    operation: { operationId: string; template: string },
    query: string,
    body: Buffer,
    response: MockResponse,
    check: Checker,
    authorization: string | null,
  ): void {
    // The credentials this request carried are cut out of everything written, wherever they turn up.
    const secrets = authorization ? [authorization, authorization.replace(/^Bearer\s+/i, '')] : [];
    const redacted: string[] = [];
    const requestText = body.toString('utf8');
    const answerText = (response.body as Buffer).toString('utf8');
    const problems = check(request, query, requestText, authorization, response.status, answerText);
    const cleanedQuery = cleanQuery(query, secrets);
    if (cleanedQuery.changed) redacted.push('/request/query');
    let requestBody: Pick<CassetteEntry['request'], 'body' | 'bodyText'> = {};
    if (requestText.length > 0) {
      const parsed = parseJson(requestText);
      if (parsed !== undefined) {
        const cleaned = cleanJson(parsed, { images: true, secrets }, '/request/body', redacted);
        requestBody = { body: cleaned.value };
      } else {
        const scrubbed = scrubText(requestText, secrets);
        if (scrubbed !== undefined) redacted.push('/request/bodyText');
        requestBody = { bodyText: (scrubbed ?? requestText).slice(0, BODY_TEXT_CHARS) };
      }
    }
    let storedAnswer = answerText;
    try {
      const before = redacted.length;
      const cleaned = cleanJson(JSON.parse(answerText), { secrets }, '/answer/body', redacted);
      if (redacted.length > before) storedAnswer = JSON.stringify(cleaned.value);
    } catch {
      const scrubbed = scrubText(answerText, secrets);
      if (scrubbed !== undefined) {
        redacted.push('/answer/body');
        storedAnswer = scrubbed;
      }
    }
    const answerHeaders: Record<string, string> = {};
    for (const header of RECORDED_ANSWER_HEADERS) {
      const value = response.headers[header];
      if (value !== undefined) answerHeaders[header] = scrubText(value, secrets) ?? value;
    }
    seq++;
    const entry: CassetteEntry = {
      v: CASSETTE_VERSION,
      seq,
      operation: operation.operationId,
      request: { method: request.method, path: request.path, query: cleanedQuery.query, ...requestBody },
      answer: { status: response.status, headers: answerHeaders, body: storedAnswer },
      ...(redacted.length > 0 && { redacted }),
    };
    cassette?.write(`${JSON.stringify(entry)}\n`);
    // The report shows what was seen, cleaned like the cassette: a value under a secret-looking name is
    // not shown, and tokens are cut out of the rest.
    const clean = (list: ExchangeProblem[]) =>
      distinct(list).map((problem) => ({
        ...problem,
        pointer: scrubText(problem.pointer, secrets) ?? problem.pointer,
        seen:
          !problem.pointer.startsWith('/headers/') && problem.pointer.split('/').some(isSecretName)
            ? REDACTED
            : (scrubText(problem.seen, secrets) ?? problem.seen),
      }));
    report.add({
      seq,
      operation: operation.operationId,
      method: request.method,
      path: operation.template,
      status: response.status,
      request: clean(problems.request),
      answer: clean(problems.answer),
    });
    if (problems.request.length + problems.answer.length > 0) reportDirty = true;
  }

  const node = createNodeListener(handle, maxBodyBytes);
  return {
    files,
    async listen(listenOptions = {}) {
      if (cassette) throw new Error('The recorder is already listening; close() it first.');
      checker ??= await createChecker();
      mkdirSync(options.out, { recursive: true });
      for (const file of Object.values(files)) {
        if (existsSync(file))
          throw new Error(
            `${file} exists already: the recorder never overwrites a run; choose another out directory or name, or remove it`,
          );
      }
      // `wx`: created here, never an existing file or a link someone left in its place.
      cassette = createWriteStream(files.cassette, { flags: 'wx' });
      await new Promise<void>((resolve, reject) => {
        (cassette as WriteStream).once('open', () => resolve()).once('error', reject);
      });
      listeningHost = listenOptions.host ?? '127.0.0.1';
      const url = await node.listen(listenOptions).catch(async (error: unknown) => {
        await new Promise((resolve) => cassette?.end(resolve));
        cassette = undefined;
        throw error;
      });
      writeReport();
      reportTimer = setInterval(() => {
        if (reportDirty) writeReport();
      }, REPORT_INTERVAL_MS);
      reportTimer.unref();
      return url;
    },
    async close() {
      await node.close();
      clearInterval(reportTimer);
      const stream = cassette;
      cassette = undefined;
      if (stream) await new Promise((resolve) => stream.end(resolve));
      return writeReport();
    },
    findings: () => report.findings(),
  };
}

/**
 * Host names the recorder answers: loopback names, IP literals (DNS rebinding needs a name the attacker
 * controls, never an address) and the listen host.
 */
function servedHost(raw: string, listenHost: string): boolean {
  const name = raw.replace(/:\d{1,5}$/, '').toLowerCase();
  const bare = name.replace(/^\[(.*)\]$/, '$1');
  return isLoopbackHost(name) || isIP(bare) !== 0 || name === listenHost.toLowerCase();
}

type Forwarded = { response: MockResponse } | { failure: MockResponse };

/**
 * One request to the target, bounded: no redirect is followed (the credentials would go with it), the
 * answer must arrive within `timeoutMs` on our own timer and be at most `maxBodyBytes`.
 */
async function forward(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: Buffer,
  maxBodyBytes: number,
  timeoutMs: number,
): Promise<Forwarded> {
  const controller = new AbortController();
  let timedOut = false;
  let tooLarge = false;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
      reject(new Error('timeout'));
    }, timeoutMs);
  });
  try {
    const exchange = (async () => {
      const answer = await fetch(url, {
        method,
        headers,
        // A view of the same bytes, typed as fetch's DOM types want it.
        ...(body.length > 0 && { body: body as unknown as Uint8Array<ArrayBuffer> }),
        redirect: 'manual',
        signal: controller.signal,
      });
      const declared = Number(answer.headers.get('content-length') ?? 0);
      if (declared > maxBodyBytes) {
        await answer.body?.cancel();
        return undefined;
      }
      const chunks: Uint8Array[] = [];
      let size = 0;
      for await (const chunk of (answer.body ?? []) as unknown as AsyncIterable<Uint8Array>) {
        size += chunk.byteLength;
        if (size > maxBodyBytes) {
          tooLarge = true;
          controller.abort();
          return undefined;
        }
        chunks.push(chunk);
      }
      const passed: Record<string, string> = {};
      answer.headers.forEach((value, name) => {
        // Only values node will send again; anything else would fail the whole answer.
        if (!DROPPED_ANSWER_HEADERS.has(name) && SENDABLE_HEADER_VALUE.test(value)) passed[name] = value;
      });
      return { status: answer.status, headers: passed, body: Buffer.concat(chunks) };
    })();
    const response = await Promise.race([exchange, deadline]).catch((error: unknown) => {
      // Aborting the stream may reject the read that saw the limit passed: that is still "too large".
      if (tooLarge) return undefined;
      throw error;
    });
    if (response === undefined)
      return {
        failure: failure(
          502,
          5000,
          `kling-mock record: the target's answer exceeds maxBodyBytes (${maxBodyBytes} bytes)`,
        ),
      };
    return { response };
  } catch (error) {
    if (timedOut)
      return {
        failure: failure(504, 5002, `kling-mock record: the target did not answer within ${timeoutMs} ms`),
      };
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    return { failure: failure(502, 5000, `kling-mock record: the target could not be reached (${cause})`) };
  } finally {
    clearTimeout(timer);
  }
}

type Checker = (
  request: MockRequest,
  query: string,
  body: string,
  authorization: string | null,
  status: number,
  answer: string,
) => { request: ExchangeProblem[]; answer: ExchangeProblem[] };

/** Each create operation's request family: the family whose request schema its body refers to. */
function familiesOfOperations(): Map<string, TaskFamily> {
  const paths = (
    loadSpec() as unknown as {
      paths: Record<
        string,
        Record<
          string,
          { operationId: string; requestBody?: { content?: Record<string, { schema?: { $ref?: string } }> } }
        >
      >;
    }
  ).paths;
  const families = new Map<string, TaskFamily>();
  for (const item of Object.values(paths)) {
    for (const operation of Object.values(item)) {
      const ref = operation.requestBody?.content?.['application/json']?.schema?.$ref;
      const family = (Object.keys(REQUEST_SCHEMAS) as TaskFamily[]).find(
        (candidate) => ref === `#/components/schemas/${REQUEST_SCHEMAS[candidate]}`,
      );
      if (family) families.set(operation.operationId, family);
    }
  }
  return families;
}

/**
 * The strict checks of one exchange: the spec's schemas through `@klingkit/spec/conformance` (loaded on
 * first use, so a mock that never records never loads it), then, for a create the schemas accept, the
 * checks JSON Schema cannot express (`x-kling-checks`, `x-kling-image`) as the mock runs them.
 */
async function createChecker(): Promise<Checker> {
  const { checkRequest, checkResponse, showValue } = await import('@klingkit/spec/conformance');
  const spec = loadSpec();
  const validator = createRequestValidator(spec, loadCompiledSchemas(spec, specSha256()));
  const families = familiesOfOperations();
  return (request, query, body, authorization, status, answer) => {
    const requestProblems: ExchangeProblem[] = [
      ...(checkRequest(request.method, request.path, {
        query,
        authorization,
        contentType: request.header('content-type'),
        body,
      })?.problems ?? []),
    ];
    const operation = operationOf(request.method, request.path);
    const family = operation && families.get(operation.operationId);
    if (family && requestProblems.every((problem) => !problem.pointer.startsWith('/body'))) {
      const parsed = parseJson(body);
      const refused = parsed === undefined ? undefined : validator.checkCreate(family, parsed);
      if (refused) {
        const pointer = `/body/${refused.field
          .replace(/\[(\d+)\]/g, '.$1')
          .split('.')
          .join('/')}`;
        requestProblems.push({
          pointer,
          // Checks word their refusals "Invalid parameter ...", image limits "<field>: ...".
          rule: refused.message.startsWith('Invalid parameter') ? 'x-kling-checks' : 'x-kling-image',
          expected: refused.message,
          seen: showValue(valueAtPointer(parsed, pointer.slice('/body'.length))),
          spec: `#/components/schemas/${REQUEST_SCHEMAS[family]}`,
        });
      }
    }
    const parsedAnswer = parseJson(answer);
    const readable = parsedAnswer !== undefined;
    const violation = checkResponse(request.method, request.path, status, parsedAnswer, { strict: true });
    let answerProblems: ExchangeProblem[] = violation?.problems ?? [];
    if (!readable) {
      // An undeclared status says it all; a declared one promises a JSON body.
      const undeclared = answerProblems.filter((problem) => problem.rule === 'status');
      answerProblems =
        undeclared.length > 0
          ? undeclared
          : [
              {
                pointer: '/body',
                rule: 'json',
                expected: 'a JSON body',
                seen: `not JSON: ${showValue(answer.slice(0, 80))}`,
                spec: `#/paths/${operation?.template.replace(/\//g, '~1')}/${request.method.toLowerCase()}/responses/${status}`,
              },
            ];
    }
    return { request: requestProblems, answer: answerProblems };
  };
}

/** `text` parsed as JSON, or `undefined` when it is not JSON (no JSON text parses to `undefined`). */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function valueAtPointer(value: unknown, pointer: string): unknown {
  let node = value;
  for (const segment of pointer.split('/').slice(1)) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, segment)) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}
