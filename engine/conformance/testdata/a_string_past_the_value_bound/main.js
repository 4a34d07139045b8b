const schema = {s: "string"};
function call() {
  emit("x".repeat(2 ** 31));
}
// want-error: main.js:3:
// want-error: RangeError: Invalid string length: 2147483648 bytes, over the bound of 134217728 (an eighth of [flexfun] memory_limit)
