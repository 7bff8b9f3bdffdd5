// Which optional toolchains this machine has, for manifest entries that say
// "requires": a missing one skips those modules with its reason, so the
// package still builds for users without them.
export function detectFeatures() {
  return {};
}
