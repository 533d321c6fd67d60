import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DataConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { EncryptionCodec, keyIdOf } from '../../src/temporal/codec';
import { dataConverterWith } from '../../src/temporal/data-converter';

/*
 * Recorded onboarding histories (scripts/record-histories.ts writes them, test/workflows/replay.test.ts
 * replays them): a change of the workflow that would break runs in flight fails the replay.
 */

export const HISTORIES_DIR = resolve(__dirname, '../fixtures/histories');

/** The committed test-only key the fixtures were encrypted with: a test key, no one's secret. */
export function fixtureDataConverter(): DataConverter {
  const { key } = JSON.parse(readFileSync(join(HISTORIES_DIR, 'codec-key.json'), 'utf8')) as { key: string };
  const bytes = Buffer.from(key, 'base64');
  return dataConverterWith(new EncryptionCodec({ id: `fixture-${keyIdOf(bytes)}`, key: bytes }));
}

/**
 * Credentials the recording seeds into its sandboxes, so the replay test can prove none of them
 * reached a fixture. Sandbox-only values, made up for the recording.
 */
export const RECORDING_SECRETS = {
  oktaApiToken: '00recordingOktaApiTokenNotARealOne0123456789',
  anypointClientId: 'recordingconnectedappclientid0001',
  anypointClientSecret: 'RecordingConnectedAppSecretNotARealOne',
} as const;

/** Secret-like plaintext a fixture must not contain, whatever its value. */
export const SECRET_PATTERNS = [/client_?secret"?\s*[:=]\s*"?[A-Za-z0-9_-]{8,}/i, /SSWS [A-Za-z0-9_-]{8,}/, /Bearer [A-Za-z0-9._-]{8,}/, /api_?token"?\s*[:=]\s*"[A-Za-z0-9_-]{8,}/i];

type History = temporal.api.history.v1.History;
const { History } = temporal.api.history.v1;

/*
 * The fixtures are protobufjs' object form of the History as JSON (longs and enums as strings,
 * bytes in base64), read back with History.fromObject. Not the CLI's proto3 JSON: the SDK's
 * historyFromJSON/historyToJSON fail in this install, whose @temporalio/common and
 * @temporalio/proto each carry their own copy of protobufjs ("type must be a Type").
 */
export function historyToFixtureJSON(history: temporal.api.history.v1.IHistory): string {
  return `${JSON.stringify(History.toObject(History.fromObject(history), { longs: String, enums: String, bytes: String }), null, 1)}\n`;
}

export interface HistoryFixture {
  file: string;
  workflowId: string;
  text: string;
  history: History;
}

export function historyFixtures(): HistoryFixture[] {
  return readdirSync(HISTORIES_DIR)
    .filter((f) => f.endsWith('.history.json'))
    .sort()
    .map((file) => {
      const text = readFileSync(join(HISTORIES_DIR, file), 'utf8');
      return { file, workflowId: file.replace(/\.history\.json$/, ''), text, history: History.fromObject(JSON.parse(text)) };
    });
}
