import type { DataConverter } from '@temporalio/common';
import { EncryptionCodec, keyIdOf } from '../../../src/temporal/codec';
import { dataConverterWith } from '../../../src/temporal/data-converter';

/**
 * The project's encrypting data converter around a key given as base64: a test and the worker
 * process it starts share the key through the environment, so each reads what the other wrote.
 */
export function workerDataConverter(base64Key: string): DataConverter {
  const key = Buffer.from(base64Key, 'base64');
  return dataConverterWith(new EncryptionCodec({ id: `test-${keyIdOf(key)}`, key }));
}
