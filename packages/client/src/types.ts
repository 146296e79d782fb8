export type Privilege =
  | "privilege:GetNonLocationHistory"
  | "privilege:ExecuteCommands"
  | "privilege:GetCurrentLocation"
  | "privilege:GetLocationHistory"
  | "privilege:GetVINCredential"
  | "privilege:GetLiveData"
  | "privilege:GetRawData"
  | "privilege:GetApproximateLocation";

export interface IdentityVehicle {
  tokenId: number;
  tokenDID: string;
  owner: string;
  name: string;
  mintedAt: string;
  definition: { id: string | null; make: string | null; model: string | null; year: number | null } | null;
}

export interface SignalValue<T = number | string> {
  timestamp: string;
  value: T;
}

/** `signalsLatest`: `lastSeen` and one entry per requested signal (null when never seen). */
export type LatestSignals = { lastSeen: string | null } & { [signal: string]: SignalValue | null | string };

export interface RegisterWebhookRequest {
  service: "signals" | "events";
  metricName: string;
  condition: string;
  coolDownPeriod: number;
  description?: string;
  displayName?: string;
  targetURL: string;
  status?: "enabled" | "disabled";
  verificationToken: string;
}

export interface UpdateWebhookRequest {
  condition?: string;
  coolDownPeriod?: number;
  targetURL?: string;
  status?: "enabled" | "disabled";
  description?: string;
  displayName?: string;
  verificationToken?: string;
}

export interface WebhookView {
  id: string;
  service: string;
  metricName: string;
  condition: string;
  targetURL: string;
  coolDownPeriod: number;
  status: string;
  description: string;
  createdAt: string;
  updatedAt: string;
  failureCount: number;
  displayName: string;
}

export interface SignalDefinition {
  name: string;
  description: string;
  unit: string;
  valueType: string;
  permissions: string[];
}

export interface WebhookVehicle {
  webhookId: string;
  assetDid: string;
  createdAt: string;
  description: string;
}

export interface FailedSubscriptions {
  failedSubscriptions: Array<{ assetDid: string; message: string }>;
}
