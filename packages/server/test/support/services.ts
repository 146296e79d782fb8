import { afterAll, afterEach, beforeAll, beforeEach, expect } from "vitest";
import { type Config, loadConfig } from "../../src/config.ts";
import { ServiceError, type ServiceErrorKind } from "../../src/errors.ts";
import { createServices, type Services } from "../../src/services.ts";
import type { Store } from "../../src/store/index.ts";
import { createTestStore, emptyStore, type TestStore } from "./store.ts";

/**
 * Test support for the service modules: the real services over one migrated test store per test
 * file, emptied before each test, with a controllable clock.
 */

export const TEST_SECRET = "x".repeat(40);

/** The tests' settings: `TEST_SECRET`, silent logs, and `overrides` on top. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ KEYFOB_SECRET: TEST_SECRET, KEYFOB_LOG_LEVEL: "silent", ...overrides });
}

/** Awaits `promise`, expects it to reject with a `ServiceError` of `kind`, and returns that error. */
export async function serviceError(promise: Promise<unknown>, kind: ServiceErrorKind): Promise<ServiceError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected a ${kind} ServiceError`).toBeInstanceOf(ServiceError);
  expect((err as ServiceError).kind).toBe(kind);
  return err as ServiceError;
}

export interface ServiceTestContext {
  /** The file's migrated store (created before all tests, dropped after them, emptied before each). */
  readonly store: Store;
  /** The services of the current test, over `store` with `testConfig()`; closed after each test. */
  readonly services: Services;
  /** What the services' `now()` returns, in epoch milliseconds; set back to the start before each test. */
  clock: number;
}

/**
 * Registers the file's hooks (call it at the top level of a test file) and returns the context they
 * fill in. A file's own `afterEach` hooks, registered later, run before the services are closed.
 */
export function useServices(start: number): ServiceTestContext {
  let testStore: TestStore | undefined;
  let services: Services | undefined;
  const ctx: ServiceTestContext = {
    get store() {
      return testStore!.store;
    },
    get services() {
      return services!;
    },
    clock: start,
  };

  beforeAll(async () => {
    testStore = await createTestStore();
  });

  afterAll(async () => {
    await testStore?.cleanup();
  });

  beforeEach(async () => {
    ctx.clock = start;
    await emptyStore(ctx.store);
    services = await createServices(testConfig(), { store: ctx.store, now: () => ctx.clock });
  });

  afterEach(async () => {
    await services?.close();
  });

  return ctx;
}
