const schema = {s: "string"};
function call() {
  for (let i = 0; i < 1000; i++) {
    emit("x".repeat(1000));
  }
}
// want-error: main.js:4:
// want-error: emit: the result exceeds its limit of 64 KiB ([flexfun] max_result_bytes raises it)
