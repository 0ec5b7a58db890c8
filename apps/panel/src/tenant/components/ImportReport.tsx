import { For, Show } from "solid-js";
import type { ApiData } from "../../api/types";

/** A subscriber import's check or result (also the details of its 422 when rows have problems). */
export type ImportReportData = ApiData<"/api/subscribers/import", "post">;

/** What a CSV import found: a summary, then every bad row with its line number and problems. */
export function ImportReport(props: { report: ImportReportData }) {
  const r = () => props.report;
  return (
    <div class="import-report" data-testid="import-report">
      <p role="status">
        <Show
          when={r().dryRun}
          fallback={
            <>
              Imported {r().imported} of {r().rows} rows.
            </>
          }
        >
          Checked {r().rows} rows: {r().valid} valid, {r().errors.length} with problems.
        </Show>
      </p>
      <Show when={r().errors.length > 0}>
        <table>
          <caption>Rows with problems (nothing is imported until all are fixed)</caption>
          <thead>
            <tr>
              <th scope="col">Line</th>
              <th scope="col">Username</th>
              <th scope="col">Problems</th>
            </tr>
          </thead>
          <tbody>
            <For each={r().errors}>
              {(e) => (
                <tr>
                  <td data-label="Line">{e.line}</td>
                  <td data-label="Username">{e.username ?? "—"}</td>
                  <td data-label="Problems">{e.errors.join("; ")}</td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </Show>
    </div>
  );
}

/** The report the API attaches to a refused import (422 details), if that is what `details` is. */
export function asImportReport(details: unknown): ImportReportData | undefined {
  if (!details || typeof details !== "object") return undefined;
  const d = details as Partial<ImportReportData>;
  return typeof d.rows === "number" && Array.isArray(d.errors) ? (d as ImportReportData) : undefined;
}
