import type { FastifyInstance } from 'fastify';
import type { OktaContext } from '../http';
import { registerAuthorize } from './authorize';
import { registerIntrospection } from './introspect';
import { registerMetadata } from './metadata';
import { registerTokenEndpoint } from './token';
import { registerUserinfo } from './userinfo';

/** The OAuth 2.0 / OIDC endpoints of every custom authorization server (`/oauth2/{authServerId}/…`). */
export function registerOAuthEndpoints(app: FastifyInstance, ctx: OktaContext): void {
  registerMetadata(app, ctx);
  registerTokenEndpoint(app, ctx);
  registerIntrospection(app, ctx);
  registerAuthorize(app, ctx);
  registerUserinfo(app, ctx);
}
