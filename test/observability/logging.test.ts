import { Writable } from 'node:stream';
import { REDACTED } from '../../src/clients/errors';
import { createLogger, loggingFromEnv, redactUrl, type LoggingOptions } from '../../src/logging';
import { PinoTemporalLogger } from '../../src/temporal/observability';
import { metricsFromEnv } from '../../src/temporal/metrics';
import { tracingFromEnv } from '../../src/temporal/tracing';

/** A logger writing into an array, one string per line. */
function capture(opts: LoggingOptions = {}) {
  const lines: string[] = [];
  const destination = { write: (line: string) => void lines.push(line) };
  return { logger: createLogger({ level: 'trace', format: 'json', ...opts, destination }), lines };
}

const TOKEN = '00abcDEF123_token-value-42';
const SECRET = 'sEcReT-client-value-9876';
const JWT = 'eyJraWQiOiJrMSJ9.eyJzdWIiOiIwb2EifQ.c2lnbmF0dXJl';

describe('logs carry no secret', () => {
  it('blanks secret-named fields at any depth, headers included', () => {
    const { logger, lines } = capture();
    logger.info(
      {
        authorization: `SSWS ${TOKEN}`,
        headers: { authorization: `Bearer ${JWT}`, cookie: 'sid=abcdef123456', accept: 'application/json' },
        okta: { apiToken: TOKEN, orgUrl: 'https://acme.okta.com' },
        tenant: { introspection: { primary_client: { id: '0oa1', secret: SECRET } } },
        clients: [{ clientId: '0oa2', clientSecret: SECRET }],
      },
      'calling Okta',
    );
    const [line] = lines;
    for (const secret of [TOKEN, SECRET, JWT, 'abcdef123456']) expect(line).not.toContain(secret);
    const entry = JSON.parse(line);
    expect(entry).toMatchObject({ authorization: REDACTED, headers: { authorization: REDACTED, cookie: REDACTED, accept: 'application/json' }, okta: { apiToken: REDACTED, orgUrl: 'https://acme.okta.com' } });
    expect(entry.tenant.introspection.primary_client).toEqual({ id: '0oa1', secret: REDACTED });
    expect(entry.clients).toEqual([{ clientId: '0oa2', clientSecret: REDACTED }]);
  });

  it('redacts tokens and secrets inside free text: messages, arguments, errors and their causes', () => {
    const { logger, lines } = capture();
    logger.warn(`Okta answered 401 to Authorization: SSWS ${TOKEN}`);
    logger.info('sent %s', `grant_type=client_credentials&client_secret=${SECRET}&scope=silver`);
    logger.error(new Error(`token request failed: {"access_token":"${JWT}"}`, { cause: new Error(`Basic ${Buffer.from(`id:${SECRET}`).toString('base64')}`) }));
    logger.error({ err: new Error(`password: ${SECRET}`) }, 'step failed');
    logger.info({ note: `Bearer ${JWT}`, key: Buffer.from(SECRET) }, 'ok');
    const text = lines.join('');
    for (const secret of [TOKEN, SECRET, JWT, Buffer.from(`id:${SECRET}`).toString('base64')]) expect(text).not.toContain(secret);
    const entries = lines.map((l) => JSON.parse(l));
    expect(entries[0].msg).toBe(`Okta answered 401 to Authorization: ${REDACTED} ${REDACTED}`); // the header as a field, and the scheme
    expect(entries[1].msg).toBe(`sent grant_type=client_credentials&client_secret=${REDACTED}&scope=silver`);
    expect(entries[2].err).toMatchObject({ type: 'Error', message: `token request failed: {"access_token":"${REDACTED}"}`, cause: { message: `Basic ${REDACTED}` } });
    expect(entries[3].err.message).toBe(`password: ${REDACTED}`);
    expect(entries[4]).toMatchObject({ note: `Bearer ${REDACTED}`, key: `[${SECRET.length} bytes]` });
  });

  it('blanks credentials in URLs: session tokens, authorization codes, secrets in the query', () => {
    expect(redactUrl(`/oauth2/default/v1/authorize?client_id=0oa1&sessionToken=${TOKEN}&state=s1`)).toBe(`/oauth2/default/v1/authorize?client_id=0oa1&sessionToken=${REDACTED}&state=s1`);
    expect(redactUrl(`https://anypoint.example/callback?code=${TOKEN}&state=s1`)).toBe(`https://anypoint.example/callback?code=${REDACTED}&state=s1`);
    expect(redactUrl(`/token?client_secret=${SECRET}`)).not.toContain(SECRET);
    expect(redactUrl('/api/v1/groups?q=silverSubscribers&limit=200')).toBe('/api/v1/groups?q=silverSubscribers&limit=200');
  });

  it('the Temporal Runtime logger writes the SDK meta as fields, its errors redacted', () => {
    const { logger, lines } = capture();
    new PinoTemporalLogger(logger).warn('Activity failed', { activityType: 'ensureClientProvider', attempt: 2, error: new Error(`Anypoint rejected SSWS ${TOKEN}`) });
    const entry = JSON.parse(lines[0]);
    expect(entry).toMatchObject({ level: 40, msg: 'Activity failed', activityType: 'ensureClientProvider', attempt: 2, error: { message: `Anypoint rejected SSWS ${REDACTED}` } });
  });

  it('a terminal gets one readable line per entry, redacted too', () => {
    const out: string[] = [];
    const destination = Object.assign(new Writable({ write: (chunk, _enc, done) => (out.push(String(chunk)), done()) }), { isTTY: false });
    const logger = createLogger({ level: 'info', format: 'pretty', destination });
    logger.warn({ workflowId: 'onboarding-acme', taskToken: 'abc', apiToken: TOKEN }, 'still awaiting confirmation');
    expect(out.join('')).toMatch(/WARN.*still awaiting confirmation.*"workflowId":"onboarding-acme"/);
    expect(out.join('')).not.toContain(TOKEN);
    expect(out.join('')).not.toContain('taskToken');
    expect(out.join('').trim().split('\n')).toHaveLength(1);
  });
});

describe('configuration by environment variables, a typo named with its fix', () => {
  it('LOG_LEVEL and LOG_FORMAT', () => {
    expect(loggingFromEnv({}, 'warn')).toEqual({ level: 'warn', format: undefined });
    expect(loggingFromEnv({ LOG_LEVEL: 'DEBUG', LOG_FORMAT: 'json' })).toEqual({ level: 'debug', format: 'json' });
    expect(() => loggingFromEnv({ LOG_LEVEL: 'verbose' })).toThrow('LOG_LEVEL=verbose is not one of trace, debug, info, warn, error, fatal, silent');
    expect(() => loggingFromEnv({ LOG_FORMAT: 'text' })).toThrow('LOG_FORMAT=text is not one of json, pretty');
  });

  it('PROMETHEUS_BIND_ADDRESS', () => {
    expect(metricsFromEnv({})).toBeUndefined();
    expect(metricsFromEnv({ PROMETHEUS_BIND_ADDRESS: '0.0.0.0:9464' })).toMatchObject({ prometheus: { bindAddress: '0.0.0.0:9464', countersTotalSuffix: true, useSecondsForDurations: true } });
    expect(() => metricsFromEnv({ PROMETHEUS_BIND_ADDRESS: '9464' })).toThrow(/PROMETHEUS_BIND_ADDRESS=9464 is not host:port/);
  });

  it('tracing is off unless an OTLP endpoint or exporter is configured, and refuses what it cannot export', () => {
    expect(tracingFromEnv({})).toBeUndefined();
    expect(tracingFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' })).toBeUndefined();
    expect(tracingFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_EXPORTER: 'none' })).toBeUndefined();
    expect(() => tracingFromEnv({ OTEL_TRACES_EXPORTER: 'zipkin' })).toThrow(/OTEL_TRACES_EXPORTER=zipkin names zipkin/);
    expect(() => tracingFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(/http\/protobuf only/);
  });
});
