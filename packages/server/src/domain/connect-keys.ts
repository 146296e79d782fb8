// The login protocol's parameter keys (connect-protocol.md §1.2, §7.1), in one place for the
// server's parameter parsing and the login app's message handshake. No imports: the login app's
// browser bundle takes this file as it is (`@keyfob/server/domain/connect-keys.ts`).

/** Every key a request may carry (§1.2), aliases included. Anything else is dropped. */
export const REQUEST_KEYS = [
  "clientId",
  "redirectUri",
  "entryState",
  "apiKey",
  "forceEmail",
  "altTitle",
  "permissionTemplateId",
  "permissions",
  "vehicles",
  "vehicleMakes",
  "powertrainTypes",
  "powerTrainTypes",
  "onboarding",
  "expirationDate",
  "utm",
  "transactionData",
  "messageData",
  "brandName",
  "tosUrl",
  "privacyPolicyUrl",
  "newVehicleSectionDescription",
  "shareVehiclesSectionDescription",
  "region",
  "cloudEvent",
  "configCID",
  "existingTokenId",
  "existingClientId",
  "response_type",
  "state",
  "code_challenge",
  "code_challenge_method",
  "client_id",
  "redirect_uri",
] as const;

/** Keys the popup's action payload may set (§7.1 step 5): never the client, redirect or secure-mode keys. */
export const PAYLOAD_KEYS = [
  "permissionTemplateId",
  "permissions",
  "vehicles",
  "vehicleMakes",
  "onboarding",
  "expirationDate",
  "utm",
  "powertrainTypes",
  "powerTrainTypes",
  "transactionData",
  "messageData",
  "existingTokenId",
  "existingClientId",
  "cloudEvent",
] as const;
