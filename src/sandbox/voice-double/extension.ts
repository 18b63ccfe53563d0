/**
 * The TEST DOUBLE of the voice-biomarker service at /voice-double (README: upstream voice mode), loaded
 * on every sandbox start so `VOICE_URL=http://127.0.0.1:8081/voice-double` works with no other set-up.
 */
import type { ExtensionFactory } from '../extensions.ts';
import { createVoiceDouble } from './index.ts';

export const voiceDoubleExtension: ExtensionFactory = () => ({
  name: 'voice-double',
  routes: (app) => {
    app.route('/voice-double', createVoiceDouble().app);
  },
});
