import './quiet-runtime-notice';
import { runOpenAmSandbox, type OpenAmServerOptions } from './server';

/*
 * Child-process entry of the OpenAM emulator (see index.ts). Protocol on the IPC channel:
 * parent → `{ type: 'start', options }`; child → `{ type: 'ready', info }` or `{ type: 'failed', message, code }`;
 * parent → `{ type: 'stop' }`. The child also stops when the channel closes, so it never outlives its parent.
 */

type Message = { type: 'start'; options: OpenAmServerOptions } | { type: 'stop' };

let close: (() => Promise<void>) | undefined;
const stop = async () => {
  await close?.().catch(() => undefined);
  process.exit(0);
};

process.on('message', (message: Message) => {
  if (message.type === 'stop') return void stop();
  runOpenAmSandbox(message.options).then(
    ({ sandbox, info }) => {
      close = () => sandbox.close();
      process.send?.({ type: 'ready', info });
    },
    (err: NodeJS.ErrnoException) => {
      process.send?.({ type: 'failed', message: err.message, code: err.code });
      process.exit(1);
    },
  );
});
process.on('disconnect', () => void stop());
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
