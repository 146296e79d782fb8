import { privateKeyToAccount } from "viem/accounts";

/** A license's credentials as `keyfob seed --demo --json` prints them. */
export interface LicenseCredentials {
  clientId: string;
  apiKey: string;
  domain: string;
}

/**
 * A developer JWT the way the data SDK gets one, over real HTTP: the challenge with its parameters
 * in the query, signed locally with the API key (EIP-191), submitted as a form.
 */
export async function developerJwtOverHttp(base: string, license: LicenseCredentials): Promise<string> {
  const query = new URLSearchParams({
    client_id: license.clientId,
    domain: license.domain,
    scope: "openid email",
    response_type: "code",
    address: license.clientId,
  });
  const generated = await fetch(`${base}/auth/web3/generate_challenge?${query}`, { method: "POST" });
  if (!generated.ok) throw new Error(`generate_challenge: ${generated.status} ${await generated.text()}`);
  const { state, challenge } = (await generated.json()) as { state: string; challenge: string };
  const signature = await privateKeyToAccount(`0x${license.apiKey}`).signMessage({ message: challenge });
  const form = new URLSearchParams({
    client_id: license.clientId,
    domain: license.domain,
    grant_type: "authorization_code",
    state,
    signature,
  });
  const submitted = await fetch(`${base}/auth/web3/submit_challenge`, { method: "POST", body: form });
  if (!submitted.ok) throw new Error(`submit_challenge: ${submitted.status} ${await submitted.text()}`);
  return ((await submitted.json()) as { access_token: string }).access_token;
}
