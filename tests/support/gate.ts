/** A promise the test settles: `opened` resolves once `open` is called (again: nothing more happens). */
export function gate() {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}
