import type { Command } from "commander";
import { loadConfig } from "../config.ts";
import { DEMO_OWNER_EMAIL, demoLinks, formatDemo, seedDemo } from "../demo.ts";

export function registerStartCommand(program: Command): void {
  program
    .command("start")
    .description("Start the server (embedded SQLite under ./data unless KEYFOB_DATABASE_URL says otherwise)")
    .action(async () => {
      const config = loadConfig();
      const [{ buildApp }, { createServices }] = await Promise.all([
        import("../app.ts"),
        import("../services.ts"),
      ]);
      const services = await createServices(config);
      // The embedded mode is the newcomer's laptop: demo data is there from the first start.
      const demo = config.embedded ? await seedDemo(services) : undefined;
      const app = await buildApp(services);
      let simulator: { stop(): Promise<void> } | undefined;
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        app.log.info({ signal }, "shutting down");
        await simulator?.stop();
        await app.close();
        await services.close();
        process.exit(0);
      };
      process.on("SIGINT", () => void stop("SIGINT"));
      process.on("SIGTERM", () => void stop("SIGTERM"));
      const address = await app.listen({ port: config.port, host: config.host });
      // The demo vehicles drive from the first minute (KEYFOB_SIMULATOR=off: they stay parked).
      if (demo && config.simulator) {
        const { startDemoSimulator } = await import("../modules/simulator/local.ts");
        simulator = await startDemoSimulator(services, demo, {
          url: address,
          logger: app.log.child({ module: "simulator" }),
          backfillDays: 7,
        });
      }
      const p = config.publicUrl;
      const links = demo ? demoLinks(config.loginUrl, demo.clientId) : undefined;
      const outbox = services.outbox && config.embedded ? `${p}/dev/outbox` : undefined;
      process.stdout.write(
        [
          "",
          `Keyfob is running (${services.store.engine}${config.embedded ? `, ${config.databaseUrl.slice(7)}` : ""}).`,
          `  Login app            ${config.loginUrl}/`,
          `  Developer console    ${config.loginUrl}/console`,
          `  Identity GraphQL     ${p}/identity/query`,
          `  Telemetry GraphQL    ${p}/telemetry/query`,
          `  Signal ingestion     ${p}/v1/ingest`,
          `  Token exchange       ${p}/v1/tokens/exchange`,
          `  Developer auth       ${p}/auth/web3/generate_challenge`,
          `  OpenID discovery     ${p}/.well-known/openid-configuration`,
          `  Health               ${p}/healthz`,
          `  Signed consent docs  ${p}/ipfs/<cid>`,
          ...(outbox
            ? [`  Dev mail outbox      ${outbox}  (sign-in codes; set KEYFOB_SMTP_URL to send mail)`]
            : []),
          "",
          demo
            ? formatDemo(demo)
            : "Demo data: run `keyfob seed --demo` to create the demo license, owner and vehicles.\n",
          ...(links
            ? [
                `Share a demo vehicle: open the consent page and sign in as ${DEMO_OWNER_EMAIL}${outbox ? ` (the code is in ${outbox})` : ""}`,
                `  ${links.consent}`,
                `  or, with every parameter in the URL:`,
                `  ${links.plain}`,
                "",
              ]
            : []),
          ...(simulator
            ? [
                "Simulator: the demo vehicles are driving around Munich and posting to /v1/ingest (KEYFOB_SIMULATOR=off stops it);",
                "  a week of history is filled in in the background on the first start.\n",
              ]
            : []),
        ].join("\n"),
      );
    });
}
