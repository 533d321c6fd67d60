/** The task queue workers poll and clients start onboarding runs on. @default 'onboarding' */
export function taskQueueName(env: NodeJS.ProcessEnv = process.env): string {
  return env.ONBOARDING_TASK_QUEUE?.trim() || 'onboarding';
}
