import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isUuidV4 } from "../../app/domain/ids.js";
import { DEFAULT_USER_ID, resolveRequestContext } from "../../app/http/identity/identity.js";
import { ApiError } from "../../app/http/contract/problem.js";

const TENANT = "11111111-1111-4111-8111-111111111111";
const MOCK_TENANT = "00000000-0000-4000-8000-000000000000";
const GENERATED = "22222222-2222-4222-8222-222222222222";
const INTERACTION = "33333333-3333-4333-8333-333333333333";

function resolve(headers: Parameters<typeof resolveRequestContext>[0], defaults = {}) {
  return resolveRequestContext(headers, defaults, INTERACTION, () => GENERATED);
}

describe("resolveRequestContext", () => {
  it("takes identity from the headers first", () => {
    const { context, warnings } = resolve(
      { tenantId: TENANT, userId: "ana@example.com", accountId: "acc_1" },
      { tenantId: MOCK_TENANT, userId: "mock" },
    );
    expect(context).toEqual({
      tenantId: TENANT,
      userId: "ana@example.com",
      accountId: "acc_1",
      interactionId: INTERACTION,
    });
    expect(warnings).toEqual([]);
  });

  it("falls back to MOCK_TENANT_ID and MOCK_USER_ID", () => {
    const { context } = resolve({}, { tenantId: MOCK_TENANT, userId: "mock" });
    expect(context).toMatchObject({ tenantId: MOCK_TENANT, userId: "mock", accountId: null });
  });

  it("falls back to a new tenant id and the system user", () => {
    expect(resolve({}).context).toMatchObject({ tenantId: GENERATED, userId: DEFAULT_USER_ID, accountId: null });
  });

  it("replaces a tenant id that is not a UUID v4, and says so", () => {
    const { context, warnings } = resolve({ tenantId: "acme" }, { tenantId: MOCK_TENANT });
    expect(context.tenantId).toBe(GENERATED);
    expect(warnings).toEqual([expect.objectContaining({ header: "X-Tenant-ID", value: "acme" })]);
  });

  it("refuses a UUID of another version", () => {
    const v1 = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";
    expect(resolve({ tenantId: v1 }).context.tenantId).toBe(GENERATED);
  });

  it("trims values, treats blank as absent, and lower-cases the tenant id", () => {
    const { context } = resolve(
      { tenantId: `  ${TENANT.toUpperCase()} `, userId: "   ", accountId: "" },
      { userId: "mock" },
    );
    expect(context).toMatchObject({ tenantId: TENANT, userId: "mock", accountId: null });
  });

  it.each(["userId", "accountId"] as const)("refuses a %s over 256 characters with invalid_header", (field) => {
    expect(() => resolve({ [field]: "x".repeat(257) })).toThrowError(ApiError);
    expect(resolve({ [field]: "x".repeat(256) }).context).toBeDefined();
  });

  it("always gives a valid context whatever the headers and environment (Property 2)", () => {
    const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
    const idText = fc.string({ maxLength: 256 });
    fc.assert(
      fc.property(
        maybe(fc.oneof(fc.uuid({ version: 4 }), fc.uuid(), fc.string())),
        maybe(idText),
        maybe(idText),
        maybe(fc.uuid({ version: 4 })),
        maybe(fc.string({ minLength: 1, maxLength: 256 })),
        (tenantId, userId, accountId, mockTenant, mockUser) => {
          const { context } = resolveRequestContext(
            { tenantId, userId, accountId },
            { tenantId: mockTenant, userId: mockUser },
          );
          expect(isUuidV4(context.tenantId)).toBe(true);
          expect(isUuidV4(context.interactionId)).toBe(true);
          const header = tenantId?.trim();
          if (header && isUuidV4(header)) expect(context.tenantId).toBe(header.toLowerCase());
          else if (!header && mockTenant) expect(context.tenantId).toBe(mockTenant);
          const user = userId?.trim();
          expect(context.userId).toBe(user || mockUser || DEFAULT_USER_ID);
          expect(context.accountId).toBe(accountId?.trim() || null);
        },
      ),
      { numRuns: 300 },
    );
  });
});
