// AudioWorklet processor of the voice recorder: copies each 128-sample block of the microphone's
// first channel to the main thread, where it is resampled and kept until the WAV is built.
class CaptureProcessor extends AudioWorkletProcessor {
  process(inputs) {
    const channel = inputs[0]?.[0];
    if (channel && channel.length > 0) this.port.postMessage(channel.slice(0));
    return true;
  }
}
registerProcessor('tidemark-capture', CaptureProcessor);
