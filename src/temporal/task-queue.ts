/** The task queue workers poll and clients start onboarding runs on. */
export const DEFAULT_TASK_QUEUE = 'onboarding';

/** ONBOARDING_TASK_QUEUE, so several stacks (or a blue/green worker) can share one namespace. @default 'onboarding' */
export function taskQueueName(env: NodeJS.ProcessEnv = process.env): string {
  return env.ONBOARDING_TASK_QUEUE?.trim() || DEFAULT_TASK_QUEUE;
}
