import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { EncryptionCodec } from '../../src/temporal/codec';
import { startCodecServer, type RunningCodecServer } from '../../src/temporal/codec-server';

const UI = 'http://127.0.0.1:8233';
const toJson = (p: { metadata?: Record<string, Uint8Array> | null; data?: Uint8Array | null }) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  data: Buffer.from(p.data ?? []).toString('base64'),
});

describe('the codec server for the Web UI', () => {
  const codec = new EncryptionCodec({ id: 'k1', key: randomBytes(32) });
  let server: RunningCodecServer;
  beforeAll(async () => {
    server = await startCodecServer({ codec, port: 0 });
  });
  afterAll(() => server?.close());

  const post = (path: string, body: unknown, origin = UI) =>
    fetch(`${server.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', Origin: origin, 'X-Namespace': 'default' }, body: JSON.stringify(body) });

  it('decodes what the worker encoded, in the proto-JSON shape the UI sends', async () => {
    const [encoded] = await codec.encode([defaultPayloadConverter.toPayload({ tenant: 'acme' })]);
    const res = await post('/decode', { payloads: [toJson(encoded)] });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(UI);
    const { payloads } = (await res.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
    expect(Buffer.from(payloads[0].metadata.encoding, 'base64').toString()).toBe('json/plain');
    expect(JSON.parse(Buffer.from(payloads[0].data, 'base64').toString())).toEqual({ tenant: 'acme' });
  });

  it('answers the browser preflight and refuses other origins', async () => {
    const preflight = await fetch(`${server.url}/decode`, { method: 'OPTIONS', headers: { Origin: UI, 'Access-Control-Request-Headers': 'content-type,x-namespace' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/X-Namespace/);
    expect((await post('/decode', { payloads: [] }, 'https://evil.example')).status).toBe(403);
  });

  it('reports an unknown key id as a 400 with the codec error code', async () => {
    const [foreign] = await new EncryptionCodec({ id: 'other', key: randomBytes(32) }).encode([defaultPayloadConverter.toPayload(1)]);
    const res = await post('/some/prefix/decode', { payloads: [toJson(foreign)] });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'CODEC_KEY_UNKNOWN' });
  });
});
