import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { SandboxContext } from '../core';
import type { OpenAmState, StoredModel } from './state';

/*
 * oidc-provider's storage interface backed by the sandbox state, so registered clients, tokens, sessions
 * and grants are in `GET /__sandbox/state`, survive a restart with `--state-dir` and go away on reset.
 * The state is read through the context on every call because a reset replaces it.
 */
export function stateAdapter(ctx: SandboxContext<OpenAmState>): new (name: string) => Adapter {
  const models = (name: string): Record<string, StoredModel> => (ctx.state.models[name] ??= {});
  const live = (record: StoredModel | undefined) => (record && (record.expiresAt === undefined || record.expiresAt > Date.now()) ? record : undefined);
  const persist = () => ctx.store.persist();

  return class StateAdapter implements Adapter {
    constructor(private readonly name: string) {}

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      models(this.name)[id] = { payload: { ...payload } as Record<string, unknown>, ...(expiresIn ? { expiresAt: Date.now() + expiresIn * 1000 } : {}) };
      persist();
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      return live(models(this.name)[id])?.payload as AdapterPayload | undefined;
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return Object.values(models(this.name)).find((r) => live(r) && r.payload.userCode === userCode)?.payload as AdapterPayload | undefined;
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return Object.values(models(this.name)).find((r) => live(r) && r.payload.uid === uid)?.payload as AdapterPayload | undefined;
    }

    async consume(id: string): Promise<void> {
      const record = models(this.name)[id];
      if (record) record.payload.consumed = Math.floor(Date.now() / 1000);
      persist();
    }

    async destroy(id: string): Promise<void> {
      delete models(this.name)[id];
      persist();
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      for (const byId of Object.values(ctx.state.models)) {
        for (const [id, record] of Object.entries(byId)) if (record.payload.grantId === grantId) delete byId[id];
      }
      persist();
    }
  };
}
