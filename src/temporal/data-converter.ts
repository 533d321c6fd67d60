import type { DataConverter } from '@temporalio/common';
import { EncryptionCodec } from './codec';
import { loadCodecKeys, type LoadCodecKeysOptions } from './codec-keys';

/**
 * Module exporting the failure converter. It is a path because the workflow sandbox loads it:
 * pass it to bundleWorkflowCode({ failureConverterPath }) when prebuilding a bundle.
 */
export const FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');

/** The project's codec, from the keyring in the environment. */
export function createEncryptionCodec(env: NodeJS.ProcessEnv = process.env, opts: LoadCodecKeysOptions = {}): EncryptionCodec {
  const { current, previous } = loadCodecKeys(env, opts);
  return new EncryptionCodec(current, previous);
}

/** A data converter around any codec, with the project's failure converter (tests use their own key). */
export function dataConverterWith(codec: EncryptionCodec): DataConverter {
  return { payloadCodecs: [codec], failureConverterPath: FAILURE_CONVERTER_PATH };
}

/**
 * The one data converter of the client, the worker and replay: they must agree, or a worker cannot
 * read what the client wrote and a replay cannot read the history. Payloads and failure details
 * are encrypted.
 */
export function createDataConverter(env: NodeJS.ProcessEnv = process.env, opts: LoadCodecKeysOptions = {}): DataConverter {
  return dataConverterWith(createEncryptionCodec(env, opts));
}
