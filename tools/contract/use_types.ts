// Compiled with the types openapi-typescript makes of the document (tools/contract-checks).
import type { components, paths } from "./schema";

type Page = paths["/v1/tenants/{tenant}/work-visits"]["get"]["responses"][200]["content"]["application/json"];
type Visit = components["schemas"]["WorkVisitOut"];

export const titles = (page: Page): string[] => page.data.map((visit: Visit) => visit.title);
