// Object.hasOwn is Chromium 93+; noble calls it when it builds the curve. esbuild
// replaces every Object.hasOwn in the bundle with this (--inject), so the file runs
// on Chromium 67+ (BigInt) without patching the page's Object.
function hasOwn(object, key) {
  return Object.prototype.hasOwnProperty.call(object, key);
}
export { hasOwn as "Object.hasOwn" };
