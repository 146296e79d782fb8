import type { FastifyReply, FastifyRequest } from "fastify";
import { apiError } from "../../http/api-error.ts";
import { type CookiePolicy, cookieOptions } from "./cookies.ts";
import type { PasskeyService } from "./passkeys.ts";
import type { AccountService, User } from "./service.ts";
import type { SessionService } from "./sessions.ts";

/** The signed-in user as the login app sees it. */
export interface SessionUser {
  email: string;
  walletAddress: string;
  hasPasskey: boolean;
}

/**
 * The session cookie at the HTTP edge: who is signed in, signing in (a new session id every time,
 * the previous one ended), signing out. Needs @fastify/cookie on the instance.
 */
export class LoginSessions {
  constructor(
    private readonly deps: {
      sessions: SessionService;
      accounts: AccountService;
      passkeys: PasskeyService;
      cookies: CookiePolicy;
    },
  ) {}

  get cookies(): CookiePolicy {
    return this.deps.cookies;
  }

  private sessionId(request: FastifyRequest): string | undefined {
    return request.cookies?.[this.deps.cookies.session];
  }

  /** The signed-in user, or undefined. */
  async user(request: FastifyRequest): Promise<User | undefined> {
    const session = await this.deps.sessions.resolve(this.sessionId(request));
    return session ? this.deps.accounts.findById(session.userId) : undefined;
  }

  /** The signed-in user, or 401 `unauthenticated`. */
  async require(request: FastifyRequest): Promise<User> {
    const user = await this.user(request);
    if (!user) throw apiError(401, "unauthenticated", "Sign in first.");
    return user;
  }

  /** Starts a session for `user` (rotated: the browser's previous session ends) and sets the cookie. */
  async signIn(request: FastifyRequest, reply: FastifyReply, user: User, embed: boolean): Promise<void> {
    const session = await this.deps.sessions.create(user.id, this.sessionId(request));
    reply.setCookie(this.deps.cookies.session, session.id, cookieOptions(this.deps.cookies, embed));
  }

  async signOut(request: FastifyRequest, reply: FastifyReply, embed: boolean): Promise<void> {
    await this.deps.sessions.end(this.sessionId(request));
    const { maxAge: _drop, ...options } = cookieOptions(this.deps.cookies, embed);
    reply.clearCookie(this.deps.cookies.session, options);
  }

  async view(user: User): Promise<SessionUser> {
    return {
      email: user.email,
      walletAddress: user.walletAddress,
      hasPasskey: await this.deps.passkeys.hasPasskey(user.id),
    };
  }
}
