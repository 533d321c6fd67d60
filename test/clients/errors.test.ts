import { ExternalApiError, REDACTED, kindOfStatus, redact, redactHeaders, retryAfterMs, type ApiErrorKind } from '../../src/clients/errors';

const lookup = (headers: Record<string, string>) => (name: string) => headers[name.toLowerCase()];

describe('redact', () => {
  it('removes credentials from Authorization schemes', () => {
    expect(redact('authorization: SSWS 00abcDEF123_token-value')).not.toContain('00abcDEF123');
    expect(redact('sent Bearer eyJraWQiOiJ4In0.payload.sig and Basic dXNlcjpwYXNz')).toBe(`sent Bearer ${REDACTED} and Basic ${REDACTED}`);
  });

  it('removes secret-named fields in JSON, form and YAML-like text', () => {
    const json = '{"client_id":"0oa1","client_secret":"s3cr3t\\"x","registration":{"authorization":"SSWS abc"},"clientSecret":"other"}';
    const out = redact(json);
    expect(out).toContain('"client_id":"0oa1"');
    expect(out).not.toMatch(/s3cr3t|other|SSWS abc/);
    expect(redact('grant_type=client_credentials&client_secret=abc123&scope=silver')).toBe(`grant_type=client_credentials&client_secret=${REDACTED}&scope=silver`);
    expect(redact('token=eyJhbGc&token_type_hint=access_token')).toBe(`token=${REDACTED}&token_type_hint=access_token`);
    expect(redact('password: hunter22, user: carl')).toBe(`password: ${REDACTED}, user: carl`);
  });

  it('removes JWTs wherever they appear', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIwb2ExIn0.c2lnbmF0dXJl';
    expect(redact(`the token ${jwt} was refused`)).toBe(`the token ${REDACTED} was refused`);
  });

  it('removes the secret values it is given, and leaves ordinary text alone', () => {
    expect(redact('echo: my-api-token-value appears here', ['my-api-token-value'])).toBe(`echo: ${REDACTED} appears here`);
    expect(redact('Invalid token provided', ['abc'])).toBe('Invalid token provided');
    expect(redact('Api validation failed: name')).toBe('Api validation failed: name');
  });

  it('replaces credential-bearing headers', () => {
    expect(redactHeaders({ Authorization: 'SSWS x', cookie: 'a=b', accept: 'application/json' })).toEqual({ Authorization: REDACTED, cookie: REDACTED, accept: 'application/json' });
  });
});

describe('retryAfterMs', () => {
  const date = 'Mon, 23 Nov 2026 09:00:00 GMT';
  const dateSec = Date.parse(date) / 1000;

  it('measures an epoch reset against the response Date header, not our clock', () => {
    expect(retryAfterMs(lookup({ 'x-rate-limit-reset': String(dateSec + 42), date }), 'x-rate-limit-reset', 0)).toBe(42_000);
    expect(retryAfterMs(lookup({ 'x-rate-limit-reset': String(dateSec - 5), date }), 'x-rate-limit-reset')).toBe(0);
  });

  it('uses our clock within the Date header\'s second (the header alone would add up to a second to every wait)', () => {
    expect(retryAfterMs(lookup({ 'x-rate-limit-reset': String(dateSec + 1), date }), 'x-rate-limit-reset', dateSec * 1000 + 700)).toBe(300);
    // Further apart is clock skew: the server's clock wins.
    expect(retryAfterMs(lookup({ 'x-rate-limit-reset': String(dateSec + 1), date }), 'x-rate-limit-reset', dateSec * 1000 + 1_500)).toBe(1000);
    expect(retryAfterMs(lookup({ 'x-rate-limit-reset': String(dateSec + 1), date }), 'x-rate-limit-reset', dateSec * 1000 - 200)).toBe(1000);
  });

  it('falls back to our clock without a Date header, and reads small values as seconds from now', () => {
    expect(retryAfterMs(lookup({ 'x-ratelimit-reset': String(dateSec + 3) }), 'x-ratelimit-reset', dateSec * 1000)).toBe(3000);
    expect(retryAfterMs(lookup({ 'x-ratelimit-reset': '7' }), 'x-ratelimit-reset')).toBe(7000);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(retryAfterMs(lookup({ 'retry-after': '12' }), 'x-rate-limit-reset')).toBe(12_000);
    expect(retryAfterMs(lookup({ 'retry-after': 'Mon, 23 Nov 2026 09:00:30 GMT', date }), 'x-rate-limit-reset')).toBe(30_000);
  });

  it('ignores duplicated reset headers and answers undefined when nothing says when', () => {
    expect(retryAfterMs(lookup({ 'x-rate-limit-reset': `${dateSec + 9}, ${dateSec + 9}`, date }), 'x-rate-limit-reset')).toBeUndefined();
    expect(retryAfterMs(lookup({}), 'x-rate-limit-reset')).toBeUndefined();
  });
});

describe('ExternalApiError', () => {
  const make = (kind: ApiErrorKind) => new ExternalApiError({ system: 'okta', kind, operation: 'create group', detail: 'x', fix: 'y' });

  it('is retryable only for rate limits, server and network failures', () => {
    const kinds: ApiErrorKind[] = ['rate_limited', 'server', 'network', 'validation', 'auth', 'forbidden', 'not_found', 'conflict'];
    expect(Object.fromEntries(kinds.map((k) => [k, make(k).retryable]))).toEqual({
      rate_limited: true,
      server: true,
      network: true,
      validation: false,
      auth: false,
      forbidden: false,
      not_found: false,
      conflict: false,
    });
  });

  it('says what failed, with status and code, and carries a type to branch on', () => {
    const err = new ExternalApiError({ system: 'anypoint', kind: 'conflict', operation: 'publish Exchange asset', detail: 'version exists', fix: 'bump it', status: 409, code: 'ASSET_EXISTS' });
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toBe('Anypoint: publish Exchange asset failed (HTTP 409 ASSET_EXISTS): version exists');
    expect(err.type).toBe('anypoint.conflict');
    expect(err.name).toBe('ExternalApiError');
  });

  it('never carries the secrets it is told about, in the message or the fix', () => {
    const err = new ExternalApiError({ system: 'okta', kind: 'auth', operation: 'x', detail: 'token 00SECRETVALUE rejected', fix: 'rotate 00SECRETVALUE', secrets: ['00SECRETVALUE'] });
    expect(`${err.message} ${err.fix}`).not.toContain('00SECRETVALUE');
  });

  it('maps statuses to kinds', () => {
    expect([400, 401, 403, 404, 408, 409, 422, 429, 500, 503].map(kindOfStatus)).toEqual([
      'validation',
      'auth',
      'forbidden',
      'not_found',
      'network',
      'conflict',
      'validation',
      'rate_limited',
      'server',
      'server',
    ]);
  });
});
