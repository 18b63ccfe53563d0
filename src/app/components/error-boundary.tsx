// Keeps a failure where it happened: a panel that throws while rendering, or whose lazily loaded
// chunk fails to load, shows a small error in its own place; everything beside it stays mounted
// (above all the safety banner and the summary).
import { Component, type ErrorInfo, type ReactNode } from 'react';

export interface PanelBoundaryProps {
  /** What the clinician would have seen here, e.g. "The PHQ-9 trend". */
  what: string;
  children: ReactNode;
  /** Called once per caught error (tests, diagnostics); never receives chart data. */
  onError?: (error: Error) => void;
}

interface State {
  error: Error | null;
}

/** A lazy chunk that failed to download: a retry may well succeed (network, deploy in progress). */
function isChunkError(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 3) return false;
  if (/dynamically imported module|Importing a module script failed|ChunkLoadError|error loading dynamically/i.test(error.message)) return true;
  return isChunkError(error.cause, depth + 1); // bundlers and loaders wrap the browser's error
}

export class PanelBoundary extends Component<PanelBoundaryProps, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: unknown): State {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  override componentDidCatch(error: Error, _info: ErrorInfo): void {
    this.props.onError?.(error);
  }

  retry = (): void => this.setState({ error: null });

  /** A failed chunk stays failed for this page (the module loader caches it): reload the app. */
  reload = (): void => window.location.reload();

  override render(): ReactNode {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <section className="panel panel--failed" aria-label={`${this.props.what} (not shown)`} data-boundary="failed">
        <div className="error-state">
          <p className="error-state__title">{this.props.what} could not be shown</p>
          <p className="error-state__message">
            {isChunkError(error)
              ? 'Part of the app could not be downloaded (the network or the server may be busy).'
              : 'This part of the page hit an error.'}{' '}
            The rest of the page, including any safety alert and the summary, is unaffected.
          </p>
          <details>
            <summary>Technical detail</summary>
            <p className="error-state__message">{error.message}</p>
          </details>
          {isChunkError(error) ? (
            <button type="button" className="button" onClick={this.reload}>
              Reload the app
            </button>
          ) : (
            <button type="button" className="button" onClick={this.retry}>
              Try again
            </button>
          )}
        </div>
      </section>
    );
  }
}
