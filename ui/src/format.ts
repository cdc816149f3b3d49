/** `+15145550101` → `514 555-0101`; anything else is returned unchanged. */
export function formatPhone(value: string): string {
  const m = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(value.trim());
  return m ? `${m[1]} ${m[2]}-${m[3]}` : value;
}
