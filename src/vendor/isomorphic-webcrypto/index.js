// fhirclient reaches for this only when globalThis.crypto is missing; we never run there.
module.exports = { default: globalThis.crypto };
