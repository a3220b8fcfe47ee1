// The viewer's IANA time zone, so chart times are drawn in local wall-clock time.
export function timeZone() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}
