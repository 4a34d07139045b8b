const schema = {v: "int64"};
function call() {
  for (let i = 0; i < 1000; i++) {
    emit(i);
  }
}
// want-error: main.js:4:
// want-error: emit: the result exceeds its limit of 100 rows ([flexfun] max_result_rows raises it)
