import { Show } from "solid-js";
import { SelectField, TextField } from "../../ui/Field";

/** The characters voucher codes are drawn from; the API's default is the first. */
export const ALPHABETS = {
  clear: {
    label: "Letters and digits, no look-alikes (no 0, O, 1, I, L)",
    chars: "ABCDEFGHJKMNPQRSTUVWXYZ23456789",
  },
  digits: { label: "Digits only (0–9)", chars: "0123456789" },
  letters: { label: "Letters only, no look-alikes (no I, L, O)", chars: "ABCDEFGHJKMNPQRSTUVWXYZ" },
  custom: { label: "Custom…", chars: "" },
} as const;
export type AlphabetPreset = keyof typeof ALPHABETS;

/** As the API: a code must take at least 2^32 guesses (length × log2(alphabet size)). */
export const MIN_CODE_BITS = 32;

/** The characters chosen, or undefined while a custom set is empty. */
export const alphabetOf = (preset: AlphabetPreset, custom: string) =>
  preset === "custom" ? custom.trim() || undefined : ALPHABETS[preset].chars;

/** The API's rule, said beside the field: 2–64 letters and digits, none twice (nor in both cases). */
export function customAlphabetError(chars: string): string | undefined {
  const c = chars.trim();
  if (!/^[A-Za-z0-9]{2,64}$/.test(c)) return "2 to 64 letters and digits, nothing else.";
  const seen = new Set<string>();
  for (const ch of c.toLowerCase()) {
    if (seen.has(ch)) {
      return `"${ch.toUpperCase()}" appears twice (codes are typed in either case, so A and a are the same).`;
    }
    seen.add(ch);
  }
  return undefined;
}

/** The shortest code that is still hard to guess with `size` characters to draw from. */
export const minCodeLength = (size: number) => Math.ceil(MIN_CODE_BITS / Math.log2(size));

/** Preset choice, and the custom characters when "Custom…" is picked. */
export function CodeAlphabetField(props: {
  preset: AlphabetPreset;
  custom: string;
  onPreset: (p: AlphabetPreset) => void;
  onCustom: (v: string) => void;
  error?: string | undefined;
}) {
  return (
    <>
      <SelectField
        label="Code characters"
        value={props.preset}
        options={(Object.keys(ALPHABETS) as AlphabetPreset[]).map((k) => ({ value: k, label: ALPHABETS[k].label }))}
        onChange={(e) => props.onPreset(e.currentTarget.value as AlphabetPreset)}
        hint={props.preset === "custom" ? "" : `Codes use ${ALPHABETS[props.preset].chars}`}
      />
      <Show when={props.preset === "custom"}>
        <TextField
          label="Custom characters"
          value={props.custom}
          onValue={props.onCustom}
          error={props.error}
          hint="Letters and digits, each once, e.g. ACEFHKMNPRTX3479"
          autocomplete="off"
          spellcheck={false}
        />
      </Show>
    </>
  );
}
