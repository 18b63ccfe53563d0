import { formatDate } from '../../lib/format.ts';
import { SourceRefs } from '../../components/source-refs.tsx';
import type { Item9Alert } from './derive-safety.ts';

/** Cannot be missed: role=alert, first thing in the page, high contrast, never dismissible. */
export function SafetyBanner({ alert }: { alert: Item9Alert }) {
  return (
    <section className="safety-banner" role="alert" aria-labelledby="safety-title">
      <h2 id="safety-title" className="safety-banner__title">
        <span aria-hidden="true" className="safety-banner__icon">!</span>
        PHQ-9 item 9 positive — thoughts of self-harm reported
      </h2>
      <p className="safety-banner__answer">
        On <strong>{formatDate(alert.at)}</strong> the patient answered{' '}
        <strong>“{alert.answerText}”</strong> ({alert.answer} of 3) to “thoughts that you would be better off
        dead, or of hurting yourself”.
      </p>
      <p className="safety-banner__protocol">
        Follow your local suicide-risk protocol: assess risk directly with the patient today and document it.
      </p>
      {alert.messages.length > 0 && (
        <ul className="safety-banner__messages">
          {alert.messages.map((m, i) => (
            <li key={i}>{m}</li>
          ))}
        </ul>
      )}
      <SourceRefs refs={alert.sourceRefs} className="safety-banner__source" />
    </section>
  );
}
