const schema = {s: "string"};
function call() {
  emit("x".repeat(2 ** 31));
}
// want-error: main.js:3:
// want-error: RangeError: Invalid string length: repeat would make 2147483648 characters, over the bound of 134217728
