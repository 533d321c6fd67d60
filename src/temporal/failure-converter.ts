// Loaded by path into the workflow sandbox as well as by clients and workers: @temporalio/common only.
import { DefaultFailureConverter } from '@temporalio/common';

/**
 * Failure messages and stack traces go through the payload codec too (encodeCommonAttributes): an
 * error from an external API can quote tenant data, and failures are stored in history like payloads.
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
