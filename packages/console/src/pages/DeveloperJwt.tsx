import { useEffect, useState } from "react";
import type { ConsoleApi, LicenseDetails, ServerInfo } from "../api.ts";
import { errorText, link, Notice, PageTitle, Snippet } from "../components.tsx";

/** How a back end gets a developer JWT with an API key (auth-and-tokens.md §3), with this license filled in. */
export function DeveloperJwt({
  api,
  info,
  clientId,
}: {
  api: ConsoleApi;
  info: ServerInfo;
  clientId: string;
}) {
  const [details, setDetails] = useState<LicenseDetails | null>(null);
  const [failure, setFailure] = useState("");
  useEffect(() => {
    api
      .license(clientId)
      .then(setDetails)
      .catch((e: unknown) => setFailure(errorText(e)));
  }, [api, clientId]);
  if (failure) return <Notice kind="error" message={failure} />;
  if (!details) return <p role="status">Loading…</p>;
  const base = info.publicUrl;
  const domain = details.redirectUris[0]?.uri ?? "https://your-app.example/callback";
  return (
    <>
      <p className="crumbs">
        <a href="#/">Your licenses</a> ›{" "}
        <a href={link(`/licenses/${clientId}`)}>{details.license.alias ?? clientId}</a>
      </p>
      <PageTitle>Getting a developer JWT</PageTitle>
      <p>
        Your back end proves it acts for this license by signing a challenge with an API key. The answer is a
        developer JWT (an <code>access_token</code>), which the token exchange turns into vehicle JWTs for the
        vehicles people shared.
      </p>
      <ol>
        <li>
          <a href={link(`/licenses/${clientId}#api-keys`)}>Generate an API key</a> on the license page and
          keep its private key on your server, for example in <code>KEYFOB_API_KEY</code>. Never put it in a
          web page or an app.
        </li>
        <li>
          Use one of the license's redirect URIs as the <code>domain</code>
          {details.redirectUris.length === 0 ? " (this license has none yet: add one first)" : ""}.
        </li>
        <li>Ask for a challenge, sign it with the API key (EIP-191), and submit the signature.</li>
      </ol>
      {details.redirectUris.length === 0 && (
        <p className="warning">
          This license has no redirect URI yet, so the examples use a placeholder domain.
        </p>
      )}
      <Snippet
        title="curl"
        code={`KEYFOB=${base}
CLIENT_ID=${clientId}
DOMAIN=${domain}

# 1. Ask for a challenge (the license signs in as itself: address = client id)
RESPONSE=$(curl -s -X POST "$KEYFOB/auth/web3/generate_challenge" -G \\
  --data-urlencode "client_id=$CLIENT_ID" --data-urlencode "domain=$DOMAIN" \\
  --data-urlencode "scope=openid email" --data-urlencode "response_type=code" \\
  --data-urlencode "address=$CLIENT_ID")
STATE=$(echo "$RESPONSE" | jq -r .state)
CHALLENGE=$(echo "$RESPONSE" | jq -r .challenge)

# 2. Sign it with the API key (64 hex characters, no 0x), here with Node and viem
SIGNATURE=$(node --input-type=module -e '
  import { privateKeyToAccount } from "viem/accounts";
  const account = privateKeyToAccount("0x" + process.env.KEYFOB_API_KEY);
  console.log(await account.signMessage({ message: process.argv[1] }));' "$CHALLENGE")

# 3. Submit the signature: the answer holds access_token, the developer JWT
curl -s -X POST "$KEYFOB/auth/web3/submit_challenge" \\
  --data-urlencode "client_id=$CLIENT_ID" --data-urlencode "domain=$DOMAIN" \\
  --data-urlencode "grant_type=authorization_code" --data-urlencode "state=$STATE" \\
  --data-urlencode "signature=$SIGNATURE"
`}
      />
      <Snippet
        title="@keyfob/client"
        code={`import { KeyfobClient } from "@keyfob/client";

const keyfob = new KeyfobClient({
  baseUrl: "${base}",
  clientId: "${clientId}",
  domain: "${domain}",
  apiKey: process.env.KEYFOB_API_KEY!, // the private key, on your server only
});

const { access_token: developerJwt } = await keyfob.getDeveloperJwt();
`}
      />
      <Snippet
        title="Official data SDK (@dimo-network/data-sdk)"
        code={`import { DIMO } from "@dimo-network/data-sdk";

// Point the SDK's URLs at ${base} (see the Keyfob README), then:
const dimo = new DIMO("Production");
const developerJwt = await dimo.auth.getDeveloperJwt({
  client_id: "${clientId}",
  domain: "${domain}",
  private_key: process.env.KEYFOB_API_KEY!,
});
`}
      />
    </>
  );
}
