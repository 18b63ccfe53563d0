// Every number on screen can be traced to the chart: a source line listing the FHIR resources,
// each one opening the resource as the FHIR server holds it.
import { useId, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useDataLayer } from '../features/launch-session/data-layer.tsx';
import { describeResource } from '../lib/describe-resource.ts';

const REF = /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/;

export function SourceLink({ sourceRef }: { sourceRef: string }) {
  const layer = useDataLayer();
  const [open, setOpen] = useState(false);
  const panelId = useId();
  const readable = REF.test(sourceRef);
  const q = useQuery({
    queryKey: ['resource', layer.serverUrl, sourceRef],
    queryFn: () => layer.fhir(sourceRef),
    enabled: open && readable,
    staleTime: Infinity,
  });
  if (!readable) return <code className="source-ref">{sourceRef}</code>;
  return (
    <span className="source-link">
      <button
        type="button"
        className="source-link__button"
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => setOpen((o) => !o)}
        title={`Show ${sourceRef} from the chart`}
      >
        {sourceRef}
      </button>
      {open && (
        // A disclosure panel (the button above has aria-expanded/aria-controls): not a landmark.
        <span id={panelId} className="source-link__panel">
          {q.isPending && <span>Reading {sourceRef}…</span>}
          {q.isError && <span className="text-error">Could not read {sourceRef}: {q.error.message}</span>}
          {q.data !== undefined && (
            <>
              <span className="source-link__summary">{describeResource(q.data)}</span>
              <details>
                <summary>FHIR JSON</summary>
                <pre>{JSON.stringify(q.data, null, 2)}</pre>
              </details>
            </>
          )}
        </span>
      )}
    </span>
  );
}

export function SourceRefs({ refs, label = 'Source', className }: { refs: (string | null | undefined)[]; label?: string; className?: string }) {
  const list = [...new Set(refs.filter((r): r is string => !!r))];
  if (list.length === 0) return null;
  return (
    <div className={`source-line ${className ?? ''}`}>
      <span className="source-line__label">{label}:</span>{' '}
      {list.map((r, i) => (
        <span key={r}>
          {i > 0 && ', '}
          <SourceLink sourceRef={r} />
        </span>
      ))}
    </div>
  );
}
