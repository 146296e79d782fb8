import { type ConnectResult, getConnectController } from "@keyfob/connect";
import { createContext, type ReactNode, useContext, useEffect, useRef, useSyncExternalStore } from "react";
import { connectOptions, getDimoConfig } from "./config.ts";
import { getSession, type Session, signedIn, signedOut, subscribeSession } from "./session.ts";
import { type AuthData, toAuthData } from "./types.ts";

export interface DimoAuthState {
  isAuthenticated: boolean;
  walletAddress: string | null;
  email: string | null;
  /** The user JWT when it is valid (legacy cookie, or secure mode's in-memory token), else null. */
  getValidJWT: () => string | null;
  /** The email the user agreed to share; throws the official error otherwise. */
  getEmail: () => string | null;
  /** True when the session came through secure mode. */
  secure: boolean;
}

const DimoAuthContext = createContext<DimoAuthState | undefined>(undefined);

export interface DimoAuthProviderProps {
  children: ReactNode;
  /** A redirect-mode result arrived with this page load (Keyfob addition; the official SDK has none). */
  onSuccess?: (data: AuthData) => void;
  onError?: (error: Error) => void;
}

// One read of the page's redirect result per page load, whatever the number of providers or
// StrictMode's double effects.
let redirectResult: Promise<ConnectResult | null> | null = null;
let redirectDelivered = false;

function readRedirectResult(): Promise<ConnectResult | null> {
  if (redirectResult === null) {
    let options: ReturnType<typeof connectOptions>;
    try {
      options = connectOptions(getDimoConfig());
    } catch {
      return Promise.resolve(null);
    }
    redirectResult = getConnectController().handleRedirectResult(options);
    redirectResult
      .then((result) => {
        if (result?.kind === "auth") signedIn(result);
        else if (result?.kind === "logout") signedOut();
      })
      .catch(() => undefined);
  }
  return redirectResult;
}

/** For tests: read the URL again. */
export function resetRedirectResult(): void {
  redirectResult = null;
  redirectDelivered = false;
}

function stateOf(session: Session): DimoAuthState {
  return {
    isAuthenticated: session.authenticated,
    walletAddress: session.walletAddress,
    email: session.email,
    secure: session.secure,
    getValidJWT: () => (session.authenticated ? session.token : null),
    getEmail: () => {
      if (session.email) return session.email;
      throw new Error("No permission to access email");
    },
  };
}

export function DimoAuthProvider({ children, onSuccess, onError }: DimoAuthProviderProps) {
  const session = useSyncExternalStore(subscribeSession, getSession, getSession);
  const callbacks = useRef({ onSuccess, onError });
  callbacks.current = { onSuccess, onError };
  useEffect(() => {
    const { onSuccess, onError } = callbacks.current;
    readRedirectResult().then(
      (result) => {
        if (redirectDelivered || result === null) return;
        redirectDelivered = true;
        if (result.kind === "auth" || result.kind === "transaction" || result.kind === "signature") {
          onSuccess?.(toAuthData(result));
        } else if (result.kind === "logout") onSuccess?.({ token: "", logout: true });
      },
      (error: unknown) => {
        if (redirectDelivered) return;
        redirectDelivered = true;
        onError?.(error instanceof Error ? error : new Error(String(error)));
      },
    );
  }, []);
  return <DimoAuthContext.Provider value={stateOf(session)}>{children}</DimoAuthContext.Provider>;
}

/** Keyfob's name for the provider. */
export const KeyfobProvider = DimoAuthProvider;

export function useDimoAuthState(): DimoAuthState {
  const context = useContext(DimoAuthContext);
  if (!context) throw new Error("useDimoAuthState must be used within a DimoAuthProvider");
  return context;
}
