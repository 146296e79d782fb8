import {
  ConnectError,
  type ConnectEvent,
  type ConnectMode,
  type ConnectRequest,
  type ConnectResult,
  EntryState,
  getConnectController,
  type Permissions,
  permissionsParam,
  type TransactionData,
} from "@keyfob/connect";
import { type CSSProperties, type ReactNode, useCallback, useRef, useState } from "react";
import { connectOptions, getDimoConfig } from "./config.ts";
import { useDimoAuthState } from "./context.tsx";
import { signedIn, signedOut } from "./session.ts";
import { type AuthData, toAuthData } from "./types.ts";

/** The official modes, plus `EMBED` (Keyfob). */
export enum DimoSDKModes {
  POPUP = "popup",
  REDIRECT = "redirect",
  EMBED = "embed",
}

export interface ButtonLabels {
  authenticatedLabel?: string;
  unAuthenticatedLabel?: string;
}

/** The official `DimoActionParams`, plus Keyfob's request options. */
export interface DimoActionParams {
  permissionTemplateId?: string;
  vehicles?: string[];
  vehicleMakes?: string[];
  onboarding?: string[];
  expirationDate?: string;
  utm?: string | null;
  powertrainTypes?: string[];
  permissions?: Permissions[];
  /** A stored configuration (console configurator); its values are defaults the props override. */
  configurationId?: string;
}

/** Props every button takes: the official ones, then Keyfob's. */
export interface BaseButtonProps extends ButtonLabels {
  mode: DimoSDKModes | `${DimoSDKModes}`;
  altTitle?: boolean;
  onSuccess?: (authData: AuthData) => void;
  onError?: (error: Error) => void;
  /** Honoured (0.0.27 declares it and ignores it); the separate label props win. */
  labels?: ButtonLabels;
  /** The user closed the popup (also reported to `onError` as a ClosedByUserError). */
  onExit?: () => void;
  onEvent?: (event: ConnectEvent) => void;
  className?: string;
  style?: CSSProperties;
  /** Replaces the icon and label. */
  children?: ReactNode;
  /** Background colour of the default button (`#RRGGBB`); the text colour follows for contrast. */
  brandColor?: string;
  disabled?: boolean;
  /** When the browser blocks the popup: report an error (default) or continue in redirect mode. */
  popupBlocked?: "error" | "redirect";
  timeoutMs?: number;
  /** Embed mode: where to mount the login app (default: right below the button). */
  embedContainer?: HTMLElement | null;
}

const DEFAULT_STYLE: CSSProperties = {
  width: 375,
  maxWidth: "100%",
  height: 40,
  borderRadius: 24,
  padding: "6px 16px",
  border: "1px solid #000000",
  display: "flex",
  alignItems: "center",
  justifyContent: "center",
  gap: 8,
  cursor: "pointer",
  fontSize: 16,
  fontWeight: 500,
  color: "#000000",
  backgroundColor: "#ffffff",
};

/** Black or white, whichever reads better on `hex` (WCAG relative luminance). */
export function contrastText(hex: string): string {
  const match = /^#([0-9a-f]{6})$/i.exec(hex);
  if (!match?.[1]) return "#000000";
  const value = Number.parseInt(match[1], 16);
  const channel = (shift: number) => {
    const c = ((value >> shift) & 255) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(16) + 0.7152 * channel(8) + 0.0722 * channel(0);
  return luminance > 0.179 ? "#000000" : "#ffffff";
}

function Logo({ color }: { color: string }) {
  return (
    <svg width="20" height="18" viewBox="0 0 20 18" fill="none" aria-hidden="true" focusable="false">
      <path
        d="M0 13.0041H11.077C13.4042 13.0041 15.2272 11.2785 15.2272 9.07558C15.2272 6.87266 13.3665 4.99755 11.0787 4.99755H5.4982C4.97342 4.99755 4.54296 5.42387 4.54296 5.9436V11.8169H0V5.75847C0 2.85918 2.3821 0.5 5.30955 0.5H11.3102C16.1019 0.5 20 4.34704 20 9.07388C20 13.8007 16.1825 17.5 11.3102 17.5H0V13.0024V13.0041Z"
        fill={color}
      />
    </svg>
  );
}

interface KeyfobButtonProps extends BaseButtonProps {
  /** Absent: the stored configuration's. */
  entryState: EntryState | undefined;
  request: ConnectRequest;
  defaultLabels: Required<ButtonLabels>;
}

/** The button every component renders: one attempt per click, one callback per attempt. */
function KeyfobButton(props: KeyfobButtonProps) {
  const { isAuthenticated } = useDimoAuthState();
  const embedRef = useRef<HTMLDivElement>(null);
  const [embedding, setEmbedding] = useState(false);
  const propsRef = useRef(props);
  propsRef.current = props;

  const onClick = useCallback(() => {
    const p = propsRef.current;
    const controller = getConnectController();
    if (controller.busy) {
      // One attempt at a time: the running one keeps its callbacks; this click brings it forward.
      void controller.start(connectOptions(getDimoConfig()), {}, { mode: "popup" }).catch(() => undefined);
      return;
    }
    let config: ReturnType<typeof getDimoConfig>;
    try {
      config = getDimoConfig();
    } catch (error) {
      p.onError?.(error as Error);
      return;
    }
    const mode = p.mode as ConnectMode;
    const request: ConnectRequest = {
      ...p.request,
      ...(p.entryState ? { entryState: p.entryState } : {}),
      altTitle: p.altTitle,
      forceEmail: config.options?.forceEmail ?? false,
      ...(config.options?.brandName ? { brandName: config.options.brandName } : {}),
      ...(config.options?.tosUrl ? { tosUrl: config.options.tosUrl } : {}),
      ...(config.options?.privacyPolicyUrl ? { privacyPolicyUrl: config.options.privacyPolicyUrl } : {}),
    };
    if (mode === "embed") setEmbedding(true);
    let attempt: Promise<ConnectResult>;
    try {
      attempt = controller.start(connectOptions(config), request, {
        mode,
        container: p.embedContainer ?? embedRef.current ?? undefined,
        ...(p.popupBlocked ? { popupBlocked: p.popupBlocked } : {}),
        ...(p.timeoutMs ? { timeoutMs: p.timeoutMs } : {}),
        ...(p.onEvent ? { onEvent: p.onEvent } : {}),
      });
    } catch (error) {
      setEmbedding(false);
      p.onError?.(error as Error);
      return;
    }
    attempt.then(
      (result) => {
        setEmbedding(false);
        if (result.kind === "redirecting") return; // The page is leaving; the provider reports on return.
        if (result.kind === "auth") signedIn(result);
        if (result.kind === "logout") signedOut();
        p.onSuccess?.(toAuthData(result));
      },
      (error: unknown) => {
        setEmbedding(false);
        const err = error instanceof Error ? error : new Error(String(error));
        p.onError?.(err);
        if (err instanceof ConnectError && err.code === "closed_by_user") p.onExit?.();
      },
    );
  }, []);

  const labels = { ...props.defaultLabels, ...props.labels };
  if (props.authenticatedLabel !== undefined) labels.authenticatedLabel = props.authenticatedLabel;
  if (props.unAuthenticatedLabel !== undefined) labels.unAuthenticatedLabel = props.unAuthenticatedLabel;
  const label = isAuthenticated ? labels.authenticatedLabel : labels.unAuthenticatedLabel;
  const colour = props.brandColor ? contrastText(props.brandColor) : "#000000";
  const style: CSSProperties | undefined = props.className
    ? props.style
    : {
        ...DEFAULT_STYLE,
        ...(props.brandColor
          ? { backgroundColor: props.brandColor, color: colour, borderColor: props.brandColor }
          : {}),
        ...props.style,
      };
  return (
    <div>
      <button
        type="button"
        className={["keyfob-button", props.className].filter(Boolean).join(" ")}
        style={style}
        disabled={props.disabled}
        onClick={onClick}
      >
        {props.children ?? (
          <>
            <Logo color={colour} />
            <span className="button-label">{label}</span>
          </>
        )}
      </button>
      {props.mode === "embed" && !props.embedContainer ? (
        <div ref={embedRef} className="keyfob-embed" hidden={!embedding} />
      ) : null}
    </div>
  );
}

export type LoginWithDimoProps = BaseButtonProps & DimoActionParams;

/** Sign-in; with permissions or a template, sign-in then vehicle sharing (as the official one). */
export function LoginWithDimo(props: LoginWithDimoProps) {
  const {
    permissionTemplateId,
    permissions,
    vehicles,
    vehicleMakes,
    onboarding,
    expirationDate,
    utm,
    configurationId,
  } = props;
  return (
    <KeyfobButton
      {...props}
      entryState={
        permissionTemplateId || permissions
          ? EntryState.VEHICLE_MANAGER
          : configurationId
            ? undefined
            : EntryState.EMAIL_INPUT
      }
      request={{
        // As 0.0.27: the bitstring (from the list, else the template), never the template id.
        permissions: permissionsParam(permissions, permissionTemplateId),
        vehicles,
        vehicleMakes,
        onboarding,
        expirationDate,
        utm: utm ?? null,
        configurationId,
      }}
      defaultLabels={{
        authenticatedLabel: "Manage DIMO Account",
        unAuthenticatedLabel: "Continue with DIMO",
      }}
    />
  );
}

export type ShareVehiclesWithDimoProps = BaseButtonProps & DimoActionParams;

export function ShareVehiclesWithDimo(props: ShareVehiclesWithDimoProps) {
  return (
    <KeyfobButton
      {...props}
      entryState={EntryState.VEHICLE_MANAGER}
      request={{
        permissionTemplateId: props.permissionTemplateId,
        permissions: props.permissions,
        vehicles: props.vehicles,
        vehicleMakes: props.vehicleMakes,
        onboarding: props.onboarding,
        expirationDate: props.expirationDate,
        utm: props.utm ?? null,
        powertrainTypes: props.powertrainTypes,
        configurationId: props.configurationId,
      }}
      defaultLabels={{
        authenticatedLabel: "Share Vehicles with DIMO",
        unAuthenticatedLabel: "Sign in to Share Vehicles with DIMO",
      }}
    />
  );
}

export interface TransactionParams {
  address: string;
  value?: string;
  abi: TransactionData["abi"];
  functionName: string;
  args: string[];
}

export type ExecuteAdvancedTransactionWithDimoProps = BaseButtonProps & TransactionParams;

export function ExecuteAdvancedTransactionWithDimo(props: ExecuteAdvancedTransactionWithDimoProps) {
  const { address, value, abi, functionName, args } = props;
  if (!address || !abi || !functionName || !args) throw new Error("Missing required transaction parameters.");
  return (
    <KeyfobButton
      {...props}
      entryState={EntryState.ADVANCED_TRANSACTION}
      request={{ transactionData: { address, value: value ? value : "", abi, functionName, args } }}
      defaultLabels={{
        authenticatedLabel: "Execute Advanced Transaction with Dimo",
        unAuthenticatedLabel: "Sign in to Execute Transaction",
      }}
    />
  );
}

export type LogoutWithDimoProps = BaseButtonProps;

export function LogoutWithDimo(props: LogoutWithDimoProps) {
  return (
    <KeyfobButton
      {...props}
      entryState={EntryState.LOGOUT}
      request={{}}
      defaultLabels={{ authenticatedLabel: "Logout", unAuthenticatedLabel: "Logout" }}
    />
  );
}
