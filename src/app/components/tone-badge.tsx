import { humanize } from '../lib/format.ts';
import { TONE_LABEL, type Tone } from '../lib/status-tone.ts';

export function ToneBadge({ tone, status }: { tone: Tone; status: string }) {
  return (
    <span className={`badge badge--${tone}`} title={TONE_LABEL[tone]}>
      {humanize(status)}
    </span>
  );
}
