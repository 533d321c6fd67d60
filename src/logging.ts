import pino, { type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';
import { REDACTED, redact } from './clients/errors';

/*
 * Structured logs for the worker (through the Temporal Runtime's logger) and the sandboxes (through
 * Fastify's): pino, JSON lines for machines, one readable line each for a person at a terminal.
 * Secrets are kept out twice: pino's redact paths blank the fields known to carry them, and a guard
 * runs every string (messages, nested fields, errors' messages and stacks) through the same
 * `redact` the HTTP clients use, so a token that lands in a free-text message is caught too.
 */

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface LoggingOptions {
  /** @default LOG_LEVEL, else `defaultLevel` */
  level?: LogLevelName;
  /** @default LOG_FORMAT, else pretty when the destination is a terminal, json otherwise */
  format?: LogFormat;
  /** Where lines go. @default stderr (stdout is the programs' own output: the demo's story, the CLI's answers) */
  destination?: DestinationStream & { isTTY?: boolean };
  /** The process's part, as `name` on every line (worker, sandbox, demo). */
  name?: string;
}

export class LoggingConfigError extends Error {
  constructor(variable: string, value: string, allowed: readonly string[]) {
    super(`${variable}=${value} is not one of ${allowed.join(', ')}. Fix: set ${variable} to one of those, or unset it.`);
    this.name = 'LoggingConfigError';
  }
}

/** LOG_LEVEL and LOG_FORMAT, checked: a typo names the variable and the values it takes. */
export function loggingFromEnv(env: NodeJS.ProcessEnv = process.env, defaultLevel: LogLevelName = 'info'): { level: LogLevelName; format?: LogFormat } {
  const level = (env.LOG_LEVEL?.trim().toLowerCase() || defaultLevel) as LogLevelName;
  if (!LOG_LEVELS.includes(level)) throw new LoggingConfigError('LOG_LEVEL', env.LOG_LEVEL!, LOG_LEVELS);
  const format = env.LOG_FORMAT?.trim().toLowerCase() as LogFormat | undefined;
  if (format && !LOG_FORMATS.includes(format)) throw new LoggingConfigError('LOG_FORMAT', env.LOG_FORMAT!, LOG_FORMATS);
  return { level, format: format || undefined };
}

/** Fields that carry credentials wherever they appear in a log line's object (one level of nesting for pino's paths). */
const SECRET_KEYS = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'apiToken',
  'api_token',
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'id_token',
  'clientSecret',
  'client_secret',
  'secret',
  'password',
  'initialAccessToken',
  'registrationAuthorization',
  'registration_access_token',
  'client_assertion',
];
const REDACT_PATHS = [...SECRET_KEYS.flatMap((k) => [`["${k}"]`, `*["${k}"]`]), 'req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'headers.cookie'];
const SECRET_KEY = new RegExp(`^(${SECRET_KEYS.map((k) => k.replace(/[-_]/g, '[-_]?')).join('|')})$`, 'i');

const isErrorLike = (value: unknown): value is Error => value instanceof Error || (typeof value === 'object' && value !== null && typeof (value as Error).message === 'string' && typeof (value as Error).stack === 'string');
const isPlain = (value: object) => {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null || Array.isArray(value);
};

/**
 * A copy safe to log: strings redacted, secret-named fields blanked at any depth, errors flattened
 * to type, message, stack and cause (redacted). Class instances other than errors (a request object)
 * are left to pino's serializers.
 */
export function guardLogValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redact(value);
  if (typeof value !== 'object' || value === null || depth > 8) return value;
  // A key or a body as bytes says nothing to a reader and may be a secret.
  if (value instanceof Uint8Array) return `[${value.length} bytes]`;
  if (isErrorLike(value)) {
    const e = value as Error & { type?: string; cause?: unknown };
    return {
      type: e.type ?? e.name,
      message: redact(e.message),
      ...(e.stack ? { stack: redact(e.stack) } : {}),
      ...(e.cause !== undefined ? { cause: guardLogValue(e.cause, depth + 1) } : {}),
    };
  }
  if (!isPlain(value)) return value;
  if (Array.isArray(value)) return value.map((v) => guardLogValue(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_KEY.test(k) && v !== undefined && v !== null && v !== '' ? REDACTED : guardLogValue(v, depth + 1)]));
}

/** Query parameters that carry a credential: session tokens, authorization codes, secrets, assertions. */
const SECRET_PARAM = /(token|secret|password|assertion|code|key|sid)$/i;

/**
 * A URL (or path with a query) safe to log: credential-carrying query parameters blanked
 * (`/authorize?sessionToken=…`, `?code=…` on a redirect), then the usual redaction.
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return redact(url);
  const params = new URLSearchParams(url.slice(q + 1));
  let changed = false;
  for (const name of new Set(params.keys())) {
    if (SECRET_PARAM.test(name)) {
      params.set(name, REDACTED);
      changed = true;
    }
  }
  return redact(changed ? `${url.slice(0, q)}?${params.toString().replaceAll(encodeURIComponent(REDACTED), REDACTED)}` : url);
}

/** Temporal's and this project's bookkeeping fields a person at a terminal does not need on every line. */
const PRETTY_IGNORED = [
  ...['pid', 'hostname', 'taskToken', 'sdkComponent', 'namespace', 'runId', 'workflowRunId', 'taskQueue', 'isLocal', 'activityId', 'workflowType', 'trace_id', 'span_id', 'trace_flags'],
  // A sandbox's request line says these in its message already.
  ...['reqId', 'method', 'url', 'route', 'status', 'durationMs'],
].join(',');

export function createLogger(opts: LoggingOptions = {}): Logger {
  const fromEnv = loggingFromEnv(process.env, opts.level);
  const level = opts.level ?? fromEnv.level;
  const destination = opts.destination ?? Object.assign(pino.destination({ fd: 2, sync: true }), { isTTY: process.stderr.isTTY });
  const format = opts.format ?? fromEnv.format ?? (destination.isTTY ? 'pretty' : 'json');
  const stream =
    format === 'pretty'
      ? pretty({ destination, sync: true, colorize: Boolean(destination.isTTY) && !process.env.NO_COLOR, translateTime: 'HH:MM:ss.l', ignore: PRETTY_IGNORED, singleLine: true })
      : destination;
  return pino(
    {
      level,
      name: opts.name,
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      formatters: { log: (object) => guardLogValue(object) as Record<string, unknown> },
      hooks: {
        // The message and any interpolation arguments; an Error given first becomes `err` plus its message.
        logMethod(args, method) {
          const [first, ...rest] = args as unknown[];
          if (isErrorLike(first)) return method.apply(this, [{ err: guardLogValue(first) }, ...(rest.length ? rest.map((a) => guardLogValue(a)) : [redact(first.message)])] as never);
          return method.apply(this, [typeof first === 'string' ? redact(first) : first, ...rest.map((a) => guardLogValue(a))] as never);
        },
      },
      serializers: {
        err: (e: unknown) => guardLogValue(e),
        error: (e: unknown) => guardLogValue(e),
        // Fastify's request and reply: what was called and how it ended, never headers or bodies.
        req: (r: { method?: string; url?: string; id?: string }) => ({ method: r.method, url: r.url === undefined ? undefined : redactUrl(r.url), id: r.id }),
        res: (r: { statusCode?: number }) => ({ statusCode: r.statusCode }),
      },
    },
    stream,
  );
}
