import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApproverIdentity } from '../workflows/messages';

/*
 * Console sessions, held in this process: the browser keeps only a random id in an HTTP-only cookie,
 * so no token, claim or secret ever reaches the page. A restart signs everyone out, which is safe.
 * Each session carries its CSRF token (the synchronizer-token pattern): every form posts it back,
 * and a post whose token does not match the session's is refused before anything happens.
 */

export interface SignedInUser {
  identity: ApproverIdentity;
  /** What the workflows record as the approver's name: the email, else the subject. */
  displayName: string;
  canApprove: boolean;
  groups: string[];
}

/** A sign-in under way: what the callback must check (RFC 9700: state, nonce, PKCE verifier). */
export interface PendingLogin {
  state: string;
  nonce: string;
  codeVerifier: string;
  returnTo: string;
  /** Where the browser is sent to sign in. */
  url?: string;
}

export interface Session {
  id: string;
  csrfToken: string;
  expiresAt: number;
  user?: SignedInUser;
  pendingLogin?: PendingLogin;
  /** One message shown on the next page (post-redirect-get), then dropped. */
  flash?: { kind: 'ok' | 'error'; text: string };
}

export const SESSION_COOKIE = 'console_session';

const token = () => randomBytes(32).toString('base64url');

export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly lifetimeMs: number) {}

  create(): Session {
    this.sweep();
    const session: Session = { id: token(), csrfToken: token(), expiresAt: Date.now() + this.lifetimeMs };
    this.sessions.set(session.id, session);
    return session;
  }

  /**
   * The live session of this id. `ended` when the browser presented an id this process does not hold
   * any more (expired, signed out, or the console restarted): the person is told to sign in again.
   */
  find(id: string | undefined): { session?: Session; ended: boolean } {
    if (!id) return { ended: false };
    const session = this.sessions.get(id);
    if (!session) return { ended: true };
    if (session.expiresAt <= Date.now()) {
      this.sessions.delete(id);
      return { ended: true };
    }
    return { session, ended: false };
  }

  /** A new id after sign-in, so an id planted before it (session fixation) signs nobody in. */
  rotate(session: Session): Session {
    this.sessions.delete(session.id);
    const renewed: Session = { ...session, id: token(), csrfToken: token(), expiresAt: Date.now() + this.lifetimeMs };
    this.sessions.set(renewed.id, renewed);
    return renewed;
  }

  destroy(id: string): void {
    this.sessions.delete(id);
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, s] of this.sessions) if (s.expiresAt <= now) this.sessions.delete(id);
  }
}

export function csrfMatches(session: Session, given: unknown): boolean {
  if (typeof given !== 'string' || given.length === 0) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(session.csrfToken);
  return a.length === b.length && timingSafeEqual(a, b);
}
