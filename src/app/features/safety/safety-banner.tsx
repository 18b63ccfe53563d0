import { ITEM9 } from '../../../clinical/index.ts';
import { SourceRefs } from '../../components/source-refs.tsx';
import { formatDate } from '../../lib/format.ts';
import './safety-banner.css';
import { ageText, type Item9Entry, type SafetyView } from './derive-safety.ts';

const when = (at: string) => (at ? formatDate(at) : 'an undated entry');
const statusText = (e: Item9Entry) => (e.status ? ` (charted as ${e.status})` : '');

function Item9Section({ view, now }: { view: NonNullable<SafetyView['item9']>; now: Date }) {
  const { latest, older } = view;
  return (
    <div className="safety-banner__section">
      <h2 id="safety-title" className="safety-banner__title">
        <span aria-hidden="true" className="safety-banner__icon">!</span>
        {view.latestPositive ? 'PHQ-9 item 9 positive — thoughts of self-harm reported' : 'PHQ-9 item 9 — earlier positive answers'}
      </h2>
      <p className="safety-banner__answer">
        {view.latestPositive ? 'On' : 'Latest answer: on'} <strong>{when(latest.at)}</strong> the patient answered{' '}
        <strong>“{latest.answerText}”</strong> ({latest.answer} of 3) to “{ITEM9.question.toLowerCase()}”{statusText(latest)}.
      </p>
      {view.latestPositive ? (
        <p className="safety-banner__protocol">
          Follow your local suicide-risk protocol: assess risk directly with the patient today (a validated tool such as the C-SSRS) and
          document it.
        </p>
      ) : (
        <p className="safety-banner__protocol">The latest answer is 0; earlier positive answers are listed — keep suicide risk under review.</p>
      )}
      {view.messages.length > 0 && (
        <ul className="safety-banner__messages">
          {view.messages.map((m) => (
            <li key={m}>{m}</li>
          ))}
        </ul>
      )}
      <SourceRefs refs={latest.sourceRefs} className="safety-banner__source" />
      {older.length > 0 && (
        <>
          <h3 className="safety-banner__subtitle">Earlier positive item-9 answers</h3>
          <ul className="safety-banner__older">
            {older.map((e) => (
              <li key={`${e.at}-${e.sourceRefs.join(',')}`}>
                {e.answer} of 3 (“{e.answerText}”) on {when(e.at)} — {e.at ? ageText(e.at, now) : 'date not charted'}
                {statusText(e)} <SourceRefs refs={e.sourceRefs} className="source-line--inline" label="" />
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

/** Cannot be missed: role=alert, first thing in the page, high contrast, never dismissible. */
export function SafetyBanner({ view, now }: { view: SafetyView; now: Date }) {
  return (
    <section className="safety-banner" role="alert" aria-labelledby={view.item9 ? 'safety-title' : 'safety-labs-title'}>
      {view.item9 && <Item9Section view={view.item9} now={now} />}
      {view.criticalLabs.length > 0 && (
        <div className="safety-banner__section">
          <h2 id="safety-labs-title" className="safety-banner__title">
            <span aria-hidden="true" className="safety-banner__icon">!</span>
            Critical lab value{view.criticalLabs.length > 1 ? 's' : ''}
          </h2>
          <ul className="safety-banner__labs">
            {view.criticalLabs.map((f) => (
              <li key={`${f.analyte}-${f.sourceRef ?? f.at}`}>
                <strong>
                  {f.label} {f.value ?? '—'}
                  {f.unit ? ` ${f.unit}` : ''}
                </strong>{' '}
                on {when(f.at)} ({f.limit}) — {f.message.replace(/^Critical lab: [^—]*— /, '')}{' '}
                <SourceRefs refs={[f.sourceRef]} className="source-line--inline" label="source" />
              </li>
            ))}
          </ul>
          <p className="safety-banner__protocol">Act on a critical value today, per your local protocol.</p>
        </div>
      )}
    </section>
  );
}
