// Audio-quality issue codes in plain words, each with what to do (pure).
import type { AudioQuality, VoiceIssue, VoiceLevel } from '../../../contract/index.ts';
import { formatNumber } from '../../lib/format.ts';

export function issueAdvice(issue: VoiceIssue, q: AudioQuality): { title: string; todo: string } {
  switch (issue) {
    case 'insufficient_speech':
      return {
        title: `Too little speech${q.voice_percentage !== null ? ` (speech in ${formatNumber(q.voice_percentage, 0)} % of the recording)` : ''}`,
        todo: 'Record again: ask the patient to talk without long breaks for at least 30 seconds, e.g. “describe your last week”.',
      };
    case 'high_background_noise':
      return {
        title: `Background noise is high${q.audio_clarity !== null ? ` (clarity ${formatNumber(q.audio_clarity, 0)} of 100)` : ''}`,
        todo: 'Record again in a quiet room: close doors and windows, switch off fans, keep the microphone 20–30 cm from the mouth.',
      };
    case 'poor_voice_quality':
      return {
        title: 'The recording itself is poor (distorted, too quiet or muffled)',
        todo: 'Check the microphone: not too close (no distortion), not muted or too far; then record again.',
      };
    case 'invalid_speaker':
      return {
        title: 'The voice is outside the range of an adult speaking voice',
        todo: 'Make sure the patient is the one speaking (not a recording, a device or another person), then record again.',
      };
  }
}

/** What a condition level may and may not mean (the reference's levels; never a diagnosis). */
export function levelMeaning(level: VoiceLevel): string {
  switch (level) {
    case 'inconclusive':
      return 'No level can be given. This says nothing for or against the condition.';
    case 'none':
    case 'low':
      return 'Few vocal markers associated with the condition. Does not rule it out; use the clinical assessment.';
    case 'consider':
      return 'Some vocal markers associated with the condition. Consider it alongside the PHQ-9 and the interview; not a diagnosis.';
    case 'moderate':
    case 'elevated':
      return 'Vocal markers associated with the condition are marked. Review with the clinical picture; a voice sample alone never establishes a diagnosis.';
  }
}
