// Performance marks for the launch figures (read by the browser suite and DevTools' timeline).
// Names start with "tm:"; marking is a no-op where the User Timing API is missing (old jsdom).
export function mark(name: string): void {
  try {
    globalThis.performance?.mark?.(`tm:${name}`);
  } catch {
    // marks are diagnostics only
  }
}
