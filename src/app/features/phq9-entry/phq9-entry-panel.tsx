// "Enter today's PHQ-9": when no PHQ-9 can be read, the panel says so plainly (and why) and offers the
// form at once; otherwise the form is one click away. Nine items with their wording (item 9 marked),
// the total computed as answers are given, every item required. Scored at once: the entered PHQ-9
// joins the chart's assessments, so the engines and the item-9 safety path treat it like any other.
import { useId, useState } from 'react';
import type { ChartData } from '../../../fhir/chart.ts';
import { phq9Band } from '../../../fhir/terminology.ts';
import { enteredIdentity, phq9Total, validAnswers } from '../../../fhir/write/phq9-entry.ts';
import { PHQ9_ANSWER_TEXT, PHQ9_ITEM_TEXT, PHQ9_STEM } from '../../../fhir/write/phq9-params.ts';
import { formatDate } from '../../lib/format.ts';
import { useDataLayer } from '../launch-session/data-layer.tsx';
import { type EnteredEntry, useEnteredPhq9 } from './entered-store.ts';
import './phq9-entry.css';

const isPhq9 = (a: { instrumentId: string }) => a.instrumentId === 'phq9';

/** Why the chart gave no PHQ-9: the search was refused or not made, or none is charted. */
function noPhq9Reason(chart: ChartData): string {
  const note = chart.notes?.find((n) => /^coded: (could not be read|not read)/.test(n.detail));
  if (note) return `Tidemark could not read the questionnaires in this chart (${note.detail.replace(/^coded: /, '')}).`;
  return 'This chart holds no PHQ-9 that Tidemark can read.';
}

export function Phq9EntryPanel({ chart }: { chart: ChartData }) {
  const { entries, add } = useEnteredPhq9();
  const fromChart = chart.assessments.some((a) => isPhq9(a) && !a.sourceRef?.startsWith('Tidemark/'));
  const [open, setOpen] = useState(false);
  const showForm = open || (!fromChart && entries.length === 0);
  const titleId = useId();
  return (
    <section className="panel phq9-entry" aria-labelledby={titleId} data-feature="phq9-entry">
      <h2 id={titleId} className="panel__title">
        {fromChart || entries.length > 0 ? 'Enter today’s PHQ-9' : 'No PHQ-9 in the chart'}
      </h2>
      {!fromChart && entries.length === 0 && (
        <p className="phq9-entry__lead">{noPhq9Reason(chart)} You can enter today’s PHQ-9 here: it is scored at once and can be saved to the chart.</p>
      )}
      {entries.length > 0 && <EnteredList entries={entries} />}
      {showForm ? (
        <Phq9Form
          onDone={(entry) => {
            add(entry);
            setOpen(false);
          }}
          onCancel={fromChart || entries.length > 0 ? () => setOpen(false) : undefined}
        />
      ) : (
        <button type="button" className="button button--secondary" onClick={() => setOpen(true)}>
          Enter today’s PHQ-9
        </button>
      )}
    </section>
  );
}

function EnteredList({ entries }: { entries: readonly EnteredEntry[] }) {
  return (
    <ul className="phq9-entry__list" aria-label="PHQ-9 entered in Tidemark">
      {entries.map((e) => {
        const total = phq9Total(e.answers);
        const item9 = e.answers[8]!;
        return (
          <li key={e.identity}>
            PHQ-9 entered {formatDate(e.at)}: <strong>{total}</strong>/27 ({phq9Band(total)}), item 9: {PHQ9_ANSWER_TEXT[item9]} ({item9})
            {item9 > 0 && <strong className="phq9-entry__positive"> — positive</strong>}.{' '}
            {e.saved ? (
              <span className="muted">
                Saved to the chart ({e.saved.where}
                {e.saved.url ? (
                  <>
                    {': '}
                    <a href={e.saved.url} target="_blank" rel="noreferrer">
                      {e.saved.url.split('/').slice(-2).join('/')}
                    </a>
                  </>
                ) : null}
                ).
              </span>
            ) : (
              <span className="muted">Not saved to the chart yet — use Save to chart.</span>
            )}
          </li>
        );
      })}
    </ul>
  );
}

function Phq9Form({ onDone, onCancel }: { onDone: (e: EnteredEntry) => void; onCancel?: () => void }) {
  const layer = useDataLayer();
  const [answers, setAnswers] = useState<(number | null)[]>(() => Array(9).fill(null));
  const [tried, setTried] = useState(false);
  const [busy, setBusy] = useState(false);
  const formId = useId();
  const missing = answers.flatMap((a, i) => (a === null ? [i + 1] : []));
  const partial = answers.reduce<number>((sum, a) => sum + (a ?? 0), 0);
  const errorId = `${formId}-error`;

  const submit = async () => {
    setTried(true);
    if (!validAnswers(answers) || busy) return;
    setBusy(true);
    const at = (layer.now ?? (() => new Date()))().toISOString();
    const entry = { patientId: layer.patientId, answers: [...answers], at };
    onDone({ ...entry, identity: await enteredIdentity(entry), saved: null });
  };

  return (
    <form
      className="phq9-form"
      aria-describedby={tried && missing.length > 0 ? errorId : undefined}
      onSubmit={(ev) => {
        ev.preventDefault();
        void submit();
      }}
    >
      <p className="phq9-form__stem">{PHQ9_STEM}</p>
      {PHQ9_ITEM_TEXT.map((text, i) => (
        <fieldset key={text} className={`phq9-form__item${i === 8 ? ' phq9-form__item--safety' : ''}`} aria-invalid={tried && answers[i] === null}>
          <legend>
            {i + 1}. {text}
            {i === 8 && <span className="phq9-form__safety-note"> (self-harm question: any answer above “Not at all” raises the safety alert)</span>}
          </legend>
          <div className="phq9-form__answers">
            {PHQ9_ANSWER_TEXT.map((label, score) => (
              <label key={label}>
                <input
                  type="radio"
                  name={`${formId}-item${i + 1}`}
                  value={score}
                  checked={answers[i] === score}
                  onChange={() => setAnswers((prev) => prev.map((a, k) => (k === i ? score : a)))}
                />{' '}
                {label} ({score})
              </label>
            ))}
          </div>
        </fieldset>
      ))}
      <p className="phq9-form__total" aria-live="polite">
        Total: <strong>{partial}</strong> of 27
        {missing.length === 0 ? ` (${phq9Band(partial)})` : ` so far — ${missing.length} item${missing.length === 1 ? '' : 's'} to answer`}
      </p>
      {tried && missing.length > 0 && (
        <p id={errorId} className="text-error" role="alert">
          Answer every item before scoring: item{missing.length === 1 ? '' : 's'} {missing.join(', ')} {missing.length === 1 ? 'is' : 'are'} unanswered. A
          skipped item is never counted as 0.
        </p>
      )}
      <div className="phq9-form__actions">
        <button type="submit" className="button" disabled={busy}>
          Score this PHQ-9
        </button>
        {onCancel && (
          <button type="button" className="button button--secondary" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
